/**
 * Drives the Next entry point the way Next does: middleware.ts first (the idempotency gate), then —
 * if it let the request through — the route handler with the request headers the middleware
 * forwarded (NextResponse.next({ request: { headers } }) encodes them as x-middleware-request-*).
 */
import { NextRequest, type NextFetchEvent } from "next/server";
import { resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

type Middleware = (req: NextRequest, event: NextFetchEvent) => Promise<Response>;
type Handler = (req: Request, ctx: unknown) => Promise<Response>;

export interface NextHarness {
  middleware: Middleware;
  POST: Handler;
  prefix: string;
  restore(): void;
}

/** Points getKit() at the shared upstash-local with a unique prefix and TRUST_PROXY, then imports. */
export async function loadNext(env: Record<string, string> = {}): Promise<NextHarness> {
  const saved = { ...process.env };
  const target = upstashTarget();
  const prefix = uniquePrefix("next-idem").slice(0, -1).replace(":", "-");
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: prefix,
    TRUST_PROXY: "true",
    ...env,
  });
  resetKitForTests();
  const { middleware } = await import("@/middleware");
  const { POST } = await import("@/app/api/orders/route");
  return {
    middleware,
    POST: POST as Handler,
    prefix,
    restore() {
      process.env = saved;
      resetKitForTests();
    },
  };
}

export interface NextCall {
  /** The final response (the gate's own answer, or the route's with the middleware's headers). */
  res: Response;
  /** Whether the route handler ran (the gate let the request through). */
  routed: boolean;
}

export async function callNext(h: NextHarness, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<NextCall> {
  const url = `http://localhost${path}`;
  const method = init.method ?? "POST";
  const event = { waitUntil: () => {} } as unknown as NextFetchEvent;
  const mw = await h.middleware(new NextRequest(url, { method, headers: init.headers, body: init.body }), event);
  if (mw.headers.get("x-middleware-next") !== "1") return { res: mw, routed: false };

  const headers = new Headers(init.headers);
  for (const name of (mw.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean)) {
    const value = mw.headers.get(`x-middleware-request-${name}`);
    if (value !== null) headers.set(name, value);
  }
  const routed = await h.POST(new NextRequest(url, { method, headers, body: init.body }), { params: Promise.resolve({}) });
  // Next merges the middleware response's own headers into the route's response.
  const merged = new Headers(routed.headers);
  mw.headers.forEach((value, name) => {
    if (!name.startsWith("x-middleware-") && !merged.has(name)) merged.set(name, value);
  });
  return { res: new Response(routed.body, { status: routed.status, headers: merged }), routed: true };
}
