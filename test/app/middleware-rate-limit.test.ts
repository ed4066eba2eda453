/**
 * The Next entry point: the exported `middleware` of middleware.ts called with a NextRequest, using
 * the app's real kit.config.ts table (every /api/* path is limited by `api`; POST /orders also by
 * `orders`: 10/min per identity) and getKit() built from process.env.
 */
import { NextRequest, type NextFetchEvent } from "next/server";
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { describe, expect, it } from "vitest";
import { useNextMiddleware } from "./next-middleware";

// `api` fails open: under a loaded CI machine a 300 ms budget can lapse and admit the 101st request as
// degraded. These tests are about counting, not about the timeout (test/lib/ratelimit covers that).
const loaded = useNextMiddleware("mw", { RATE_LIMIT_TIMEOUT_MS: "5000", REDIS_COMMAND_TIMEOUT_MS: "5000" });
const middleware = (req: NextRequest, event: NextFetchEvent) => loaded()(req, event);

let n = 0;
const freshIp = () => `10.88.${Math.floor(++n / 250)}.${(n % 250) + 1}`;

async function call(path: string, ip: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const pending: Promise<unknown>[] = [];
  const event = { waitUntil: (p: Promise<unknown>) => void pending.push(p) } as unknown as NextFetchEvent;
  const req = new NextRequest(`http://localhost${path}`, { method: init.method ?? "GET", headers: { "x-forwarded-for": ip, ...init.headers } });
  const res = await middleware(req, event);
  return { res, pending };
}

describe("middleware.ts rate limiting", () => {
  it("lets an allowed request through (x-middleware-next) with the RateLimit fields, and hands pending to event.waitUntil", async () => {
    const { res, pending } = await call("/api/anything/here", freshIp());
    expect(res.headers.get("x-middleware-next")).toBe("1");
    expect(res.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60');
    expect(res.headers.get("ratelimit")).toMatch(/^"api";r=99;t=\d+$/);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    expect(pending).toHaveLength(1);
  });

  it("POST /api/orders: 10 per identity per minute, the 11th gets 429 naming `orders`", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) {
      ({ res: last } = await call("/api/orders", ip, { method: "POST", headers: { "idempotency-key": `k-${i}` } }));
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(last!.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60, "orders";q=10;w=60');
    const body = await last!.json();
    expect(body).toMatchObject({ status: 429, "violated-policies": ["orders"], instance: "/api/orders" });
    // A different client still gets through.
    expect((await call("/api/orders", freshIp(), { method: "POST", headers: { "idempotency-key": "x" } })).res.status).not.toBe(429);
  });

  it("the dashboard page `/` is gated too: it shares GET /api/dashboard's `api` budget (README: both are rate limited)", async () => {
    const { config } = await import("@/middleware");
    expect(unstable_doesMiddlewareMatch({ config, url: "/" })).toBe(true);
    expect(unstable_doesMiddlewareMatch({ config, url: "/_next/static/chunks/a.js" })).toBe(false);
    const ip = freshIp();
    const first = await call("/", ip);
    expect(first.res.headers.get("x-middleware-next")).toBe("1");
    expect(first.res.headers.get("ratelimit")).toMatch(/^"api";r=99;/);
    for (let i = 0; i < 99; i++) await call("/api/dashboard", ip);
    expect((await call("/", ip)).res.status).toBe(429);
  });

  it("`api` is per endpoint: exhausting one path's budget leaves another endpoint's intact", async () => {
    const ip = freshIp();
    for (let i = 0; i < 100; i++) await call("/api/jobs/abc", ip);
    expect((await call("/api/jobs/abc", ip)).res.status).toBe(429);
    const other = await call("/api/unlisted", ip);
    expect(other.res.status).not.toBe(429);
    expect(other.res.headers.get("ratelimit")).toMatch(/^"api";r=99;/);
  });

  it("matches the path Next routes: a %-encoded spelling of a route is gated as that route, not as another or not at all", async () => {
    // Next's router serves app/ routes by the DECODED path (server/lib/router-utils/filesystem.js tries
    // decodeURIComponent(itemPath)) and runs the middleware when the raw OR decoded path matches its
    // matcher, while nextUrl.pathname stays raw: /%61pi/jobs and /api%2Fjobs reach app/api/jobs/route.ts.
    const ip = freshIp();
    const orders = await call("/api/%6Frders", ip, { method: "POST", headers: { "idempotency-key": "enc-1" } });
    expect(orders.res.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60, "orders";q=10;w=60');
    const jobs = await call("/%61pi/jobs", ip, { method: "POST" });
    expect(jobs.res.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60');
    // The same budget as the plain spelling (jobs.create), not a fresh one per spelling.
    expect(jobs.res.headers.get("ratelimit")).toMatch(/^"api";r=99;/);
    expect((await call("/api/jobs", ip, { method: "POST" })).res.headers.get("ratelimit")).toMatch(/^"api";r=98;/);
    expect((await call("/api/j%6Fbs", ip, { method: "POST" })).res.headers.get("ratelimit")).toMatch(/^"api";r=97;/);
    // An encoded slash: the matcher runs on the decoded /api/jobs, which Next serves too.
    expect((await call("/api%2Fjobs", ip, { method: "POST" })).res.headers.get("ratelimit")).toMatch(/^"api";r=96;/);
    // An encoded path under /api/edge is the Hono app's (it gates itself): not gated here too.
    const edge = await call("/api/%65dge/jobs", ip, { method: "POST" });
    expect(edge.res.headers.get("ratelimit-policy")).toBeNull();
  });
});
