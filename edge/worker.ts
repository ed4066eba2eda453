/**
 * Cloudflare Workers entry (wrangler.toml `main`): the same Hono app as Next's `/api/edge/*`, built
 * from the worker's `env` bindings instead of `process.env` (workerd has no `process` without
 * nodejs_compat; lib/config's `loadConfig` takes any plain record).
 *
 * - One Kit + app per isolate (per `env` object): Redis clients, breakers and caches are reused
 *   across requests, as `getKit()` does on Node and in Next.
 * - `ctx` is handed to Hono as its execution context, so the kit's background work (rate-limit
 *   analytics, counters, stale-while-revalidate refreshes, inline jobs) runs under `ctx.waitUntil`.
 * - Client address: on Workers the platform sets `CF-Connecting-IP` (a client cannot forge it);
 *   the kit reads `x-forwarded-for` when TRUST_PROXY=true, so the entry puts that address there and
 *   drops whatever the client sent (https://developers.cloudflare.com/fundamentals/reference/http-headers/).
 *
 * Tested end to end on workerd through miniflare: test/e2e/contract.test.ts, test/e2e/workerd.test.ts.
 */
import type { ExecutionContext } from "hono";
import { resolveUser, routes } from "../kit.config";
import { registerExampleRoutes } from "./example-routes";
import { describeConfig, loadConfig, type EnvVarName } from "../lib/config";
import { ConfigError } from "../lib/errors";
import { problemResponse, PROBLEM_TYPES } from "../lib/http";
import { createKit } from "../lib/kit";
import { createApp, type App } from "./app";

// Only the default export may be a value export: workerd treats every named export of the main
// module as another entrypoint (and rejects anything that is not a handler).

/** Where the Hono app is mounted: the same paths as inside Next (`/api/edge/*`). */
const WORKER_BASE_PATH = "/api/edge";

/** The worker's bindings the kit reads: `[vars]` and secrets (`wrangler secret put NAME`). */
export type WorkerEnv = Partial<Record<EnvVarName, string>>;

type Built = { app: App } | { error: ConfigError };

// Keyed by the env object: a new deployment (new bindings) gets a new isolate and a new Kit anyway.
const built = new WeakMap<object, Built>();

function build(env: WorkerEnv): Built {
  try {
    // The worker serves the Hono app only: no metrics or cron endpoints, so no secrets for them.
    const kit = createKit(loadConfig(env, { requiredSecrets: [] }));
    if (kit.mode === "memory") {
      // Loud on purpose, like getKit(): in memory mode nothing is shared between isolates.
      console.warn(`[edge-kit] DEGRADED: no Redis configured on this worker; per-isolate memory only. (${describeConfig(kit.config)})`);
    }
    return { app: createApp(kit, { basePath: WORKER_BASE_PATH, routes, register: registerExampleRoutes, ...(resolveUser ? { resolveUser } : {}) }) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message names variables, never their values; it goes to the logs (wrangler tail), not to clients.
    console.error(`[edge-kit] worker misconfigured: ${error.message}`);
    return { error };
  }
}

/**
 * CF-Connecting-IP → x-forwarded-for, the only client address the kit then sees. Client-sent
 * forwarding headers are always dropped, also when the platform header is absent (no address then,
 * rather than a forgeable one).
 */
function withPlatformClientAddress(request: Request): Request {
  const ip = request.headers.get("cf-connecting-ip");
  if (!ip && !request.headers.has("x-forwarded-for") && !request.headers.has("x-real-ip")) return request;
  const headers = new Headers(request.headers);
  headers.delete("x-forwarded-for");
  headers.delete("x-real-ip");
  if (ip) headers.set("x-forwarded-for", ip);
  return new Request(request, { headers });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    let entry = built.get(env);
    if (!entry) {
      entry = build(env);
      built.set(env, entry);
    }
    if ("error" in entry) {
      return problemResponse({ type: PROBLEM_TYPES.internal, title: "Server misconfigured", status: 500, code: entry.error.code });
    }
    return entry.app.fetch(withPlatformClientAddress(request), env, ctx);
  },
};
