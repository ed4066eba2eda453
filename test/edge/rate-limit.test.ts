/**
 * The Hono entry point: `createApp(kit, { routes })` registers `gates()` (rate limit → idempotency →
 * cache, edge/app.ts) for the whole route table; the standalone `rateLimit({ policies })` applies
 * explicit policies. Real @upstash/ratelimit against upstash-local.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { rateLimit } from "@/edge/middleware/rate-limit";
import { defineRoutes } from "@/lib/policy";
import { defineRateLimits, RATE_LIMIT_PROBLEM_TYPES } from "@/lib/ratelimit";
import { createTestKit } from "../setup/kit";

const rl = defineRateLimits({
  legacyHeaders: true,
  denyList: { entries: ["ip:203.0.113.66"], shared: false },
  policies: {
    tiny: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip" },
    orders: { limit: 3, window: "1 h" },
    signin: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip-and-user", failPolicy: "closed" },
  },
});
const routes = defineRoutes([
  { pattern: "/ping", methods: ["GET"], name: "ping", policy: { rateLimit: rl.use("tiny") } },
  // Not /orders: the app registers the example /orders route itself (idempotency, validation).
  { pattern: "/buy", methods: ["POST"], name: "buy", policy: { rateLimit: rl.use("api", "orders") } },
  { pattern: "/open", name: "open", policy: { rateLimit: false } },
]);

let n = 0;
const freshIp = () => `10.77.${Math.floor(++n / 250)}.${(n % 250) + 1}`;

function build() {
  const kit = createTestKit({ env: { TRUST_PROXY: "true" } });
  const app = createApp(kit, { basePath: "/api/edge", routes, resolveUser: (req) => req.headers.get("x-test-user") });
  app.get("/ping", (c) => c.json({ decision: c.var.rateLimit?.outcome, remaining: c.var.rateLimit?.policies[0]?.remaining }));
  app.post("/buy", (c) => c.json({ ok: true }, 201));
  app.get("/open", (c) => c.json({ decision: c.var.rateLimit ?? null }));
  app.post("/signin", rateLimit({ policies: rl.use("signin"), resolveUser: (req) => req.headers.get("x-test-user") }), (c) => c.text("welcome"));
  return app;
}
const get = (app: ReturnType<typeof build>, path: string, ip: string, init: RequestInit = {}) =>
  app.request(path, { ...init, headers: { "x-forwarded-for": ip, ...(init.headers as Record<string, string>) } });

describe("rateLimit() from the route table", () => {
  it("allowed responses carry RateLimit-Policy, RateLimit and the legacy trio; c.var.rateLimit is typed and set", async () => {
    const app = build();
    const res = await get(app, "/api/edge/ping", freshIp());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ decision: "allowed", remaining: 1 });
    expect(res.headers.get("ratelimit-policy")).toBe('"tiny";q=2;w=3600');
    const t = Number(/^"tiny";r=1;t=(\d+)$/.exec(res.headers.get("ratelimit") ?? "")?.[1]);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThanOrEqual(3600);
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("1");
    // Legacy reset is epoch seconds (GitHub style), the same instant as `t`.
    expect(Math.abs(Number(res.headers.get("x-ratelimit-reset")) - (Math.floor(Date.now() / 1000) + t))).toBeLessThanOrEqual(2);
    expect(res.headers.get("x-ratelimit-degraded")).toBeNull();
  });

  it("the request past the limit gets 429 problem+json with Retry-After, violated-policies and the headers", async () => {
    const app = build();
    const ip = freshIp();
    await get(app, "/api/edge/ping", ip);
    await get(app, "/api/edge/ping", ip);
    const res = await get(app, "/api/edge/ping", ip);
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const t = /;r=0;t=(\d+)$/.exec(res.headers.get("ratelimit") ?? "")?.[1];
    expect(res.headers.get("retry-after")).toBe(t);
    expect(await res.json()).toEqual({
      type: RATE_LIMIT_PROBLEM_TYPES.quotaExceeded,
      title: "Request cannot be satisfied as assigned quota has been exceeded",
      status: 429,
      detail: `Rate limit "tiny" exceeded; retry in ${t} s.`,
      instance: "/api/edge/ping",
      "violated-policies": ["tiny"],
    });
    // Another client is unaffected.
    expect((await get(app, "/api/edge/ping", freshIp())).status).toBe(200);
  });

  it("HEAD is charged to the GET entry's policy (RFC 9110 §9.3.2), not let through unlimited", async () => {
    const app = build();
    const ip = freshIp();
    const head = await get(app, "/api/edge/ping", ip, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("ratelimit-policy")).toBe('"tiny";q=2;w=3600');
    expect(head.headers.get("ratelimit")).toMatch(/^"tiny";r=1;t=\d+$/);
    expect((await get(app, "/api/edge/ping", ip)).status).toBe(200);
    expect((await get(app, "/api/edge/ping", ip, { method: "HEAD" })).status).toBe(429);
  });

  it("selects the policies per route: POST /buy is limited by api AND orders; the tighter one refuses", async () => {
    const app = build();
    const ip = freshIp();
    const statuses = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await get(app, "/api/edge/buy", ip, { method: "POST" });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(last!.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60, "orders";q=3;w=3600');
    expect((await last!.json())["violated-policies"]).toEqual(["orders"]);
  });

  it("routes with rateLimit: false are not limited and get no headers", async () => {
    const res = await get(build(), "/api/edge/open", freshIp());
    expect(await res.json()).toEqual({ decision: null });
    expect(res.headers.get("ratelimit-policy")).toBeNull();
  });

  it("deny-listed clients get 403 problem+json without rate-limit headers", async () => {
    const res = await get(build(), "/api/edge/ping", "203.0.113.66");
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: RATE_LIMIT_PROBLEM_TYPES.denied, status: 403 });
    expect(res.headers.get("ratelimit")).toBeNull();
  });

  it("a deny-listed IP stays refused once the caller signs in (POST /buy counts only the user under `api`)", async () => {
    const res = await get(build(), "/api/edge/buy", "203.0.113.66", { method: "POST", headers: { "x-test-user": "fresh-account" } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: RATE_LIMIT_PROBLEM_TYPES.denied, status: 403, detail: "This ip is denied." });
  });

  it("hands pending work to executionCtx.waitUntil when the runtime has one", async () => {
    const handed: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void handed.push(p), passThroughOnException: () => {}, props: {} };
    const res = await build().request("/api/edge/ping", { headers: { "x-forwarded-for": freshIp() } }, undefined, ctx);
    expect(res.status).toBe(200);
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toBeDefined();
  });
});

it("rateLimit({ policies, resolveUser }): explicit policies with a user resolver (ip-and-user)", async () => {
  const app = build();
  const ip = freshIp();
  const signin = (user: string) => get(app, "/api/edge/signin", ip, { method: "POST", headers: { "x-test-user": user } });
  expect((await signin("ann")).status).toBe(200);
  // Same IP, another user: the IP's budget of 1 is spent.
  const res = await signin("bob");
  expect(res.status).toBe(429);
  expect(res.headers.get("ratelimit-policy")).toBe('"signin";q=1;w=3600');
});
