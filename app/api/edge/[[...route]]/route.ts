// Mounts the Hono app under /api/edge. `app.fetch` directly: hono/vercel is deprecated (runtime-facts §6).
// The execution context hands Hono's waitUntil (SWR refreshes, inline jobs, counters) to Next's after(),
// so background work outlives the response on Vercel as it does on workerd.
import type { ExecutionContext } from "hono";
import { afterResponse } from "@/app/after-response";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { resolveUser, routes } from "@/kit.config";
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";

export const dynamic = "force-dynamic";

const executionCtx: ExecutionContext = {
  waitUntil: afterResponse,
  passThroughOnException: () => undefined,
  props: {},
};

let app: ReturnType<typeof createApp> | undefined;
const handle = (req: Request) => (app ??= createApp(getKit(), { basePath: "/api/edge", routes, register: registerExampleRoutes, ...(resolveUser ? { resolveUser } : {}) })).fetch(req, undefined, executionCtx);

// The Hono app answers its own errors (onError); the boundary covers building it (a config that fails
// validation at run time), which happens before the app exists.

export const GET = withErrorBoundary(handle);
export const POST = withErrorBoundary(handle);
export const PUT = withErrorBoundary(handle);
export const PATCH = withErrorBoundary(handle);
export const DELETE = withErrorBoundary(handle);
export const HEAD = withErrorBoundary(handle);
export const OPTIONS = withErrorBoundary(handle);
