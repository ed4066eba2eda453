/**
 * Fail policies when Redis is slow or down: faults injected with msw at the HTTP layer in front of a
 * real upstash-local (hang past the budget, 5xx), and a real redis-server stopped behind upstash-local.
 * Every degraded decision says so: `degraded` on the decision, the x-ratelimit-degraded header, a counter.
 */
import { randomBytes } from "node:crypto";
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readCounts } from "@/lib/observability";
import { DEFAULT_POLICIES, decisionHeaders, refusalResponse } from "@/lib/ratelimit";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { check, identity, kitOn, limits, startPrivateUpstashLocal, type PrivateUpstashLocal } from "./support";
import { createTestKit } from "../../setup/kit";

let server: PrivateUpstashLocal;
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(async () => {
  server = await startPrivateUpstashLocal();
  msw.listen({ onUnhandledRequest: "bypass" });
});
afterEach(() => msw.resetHandlers());
afterAll(async () => {
  msw.close();
  await server.close();
});

// 100 ms budget; breaker off so each case sees its own fault, not an open circuit.
const env = { RATE_LIMIT_TIMEOUT_MS: "100", REDIS_BREAKER_THRESHOLD: "0" };
const rl = limits({
  policies: {
    open: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip", failPolicy: "open" },
    closed: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip", failPolicy: "closed" },
    local: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip", failPolicy: "local" },
  },
});
const hang = () => msw.use(http.post(`${server.url}/pipeline`, async () => { await delay("infinite"); return passthrough(); }));
const fail500 = () => msw.use(http.post(`${server.url}/pipeline`, () => HttpResponse.json({ error: "boom" }, { status: 500 })));

describe.each([
  ["timeout", hang],
  ["redis-error", fail500],
] as const)("Redis fault: %s", (reason, inject) => {
  it("open: the request goes through, marked degraded (result + header), within the budget", async () => {
    inject();
    const kit = kitOn(server, { env });
    const started = Date.now();
    const d = await check(kit, rl.use("open"), identity());
    expect(Date.now() - started).toBeLessThan(3000); // generous: the point is "not the client's 1 s+ timeout chain"
    expect([d.outcome, d.degraded, d.policies[0]!.source]).toEqual(["allowed", reason, "unmeasured"]);
    expect(decisionHeaders(d, rl.settings).get("x-ratelimit-degraded")).toBe(reason);
    expect(decisionHeaders(d, rl.settings).get("ratelimit-policy")).toBe('"open";q=2;w=3600');
    expect(decisionHeaders(d, rl.settings).get("ratelimit")).toBeNull(); // remaining is unknown: not invented
  });

  it("closed: 503 problem+json with Retry-After, degraded reason in header and body", async () => {
    inject();
    const kit = kitOn(server, { env });
    const d = await check(kit, rl.use("closed"), identity());
    expect([d.outcome, d.degraded]).toEqual(["unavailable", reason]);
    const res = refusalResponse(d, rl.settings, "/orders")!;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("x-ratelimit-degraded")).toBe(reason);
    expect(await res.json()).toMatchObject({ status: 503, policies: ["closed"], instance: "/orders" });
  });

  it("local: a per-instance limiter enforces the quota meanwhile, marked degraded", async () => {
    inject();
    const kit = kitOn(server, { env });
    const who = identity();
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await check(kit, rl.use("local"), who));
    expect(seen.map((d) => [d.outcome, d.degraded, d.policies[0]!.source])).toEqual([
      ["allowed", reason, "local"],
      ["allowed", reason, "local"],
      ["limited", reason, "local"],
    ]);
    expect(refusalResponse(seen[2]!, rl.settings)!.status).toBe(429);
  });
});

it("a degraded decision is counted in the shared counters", async () => {
  const counted = limits({ countersFlushEvery: 0, policies: { open: { algorithm: "fixed-window", limit: 2, window: "1 h", failPolicy: "open" } } });
  // Only the first request (the limiter's) hangs; the counter flush after it passes through.
  msw.use(http.post(`${server.url}/pipeline`, async () => { await delay("infinite"); return passthrough(); }, { once: true }));
  const kit = kitOn(server, { env });
  await check(kit, counted.use("open"), identity());
  expect(await readCounts(kit, "ratelimit")).toMatchObject({ allowed: 1, degraded: 1, "degraded.timeout": 1 });
});

describe("redis-server stopped behind upstash-local", () => {
  let redis: SpawnedRedis;
  let upstash: UpstashLocal;
  const token = `rl-${randomBytes(6).toString("hex")}`;
  beforeAll(async () => {
    redis = await spawnRedisServer();
    upstash = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
  });
  afterAll(async () => {
    await upstash.close();
    await redis.stop();
  });

  it("built-in defaults: `login` fails closed (503), `api` fails open (allowed, degraded)", async () => {
    expect(DEFAULT_POLICIES.login.failPolicy).toBe("closed");
    const defaults = limits();
    const kit = createTestKit({ url: upstash.url, token, env: { ...env, RATE_LIMIT_FAIL_POLICY: "open" } });
    const who = identity({ userId: "u1" });
    expect((await check(kit, defaults.use("api"), who)).outcome).toBe("allowed"); // up: Redis decides
    await redis.stop();
    const api = await check(kit, defaults.use("api"), who);
    expect([api.outcome, api.degraded]).toEqual(["allowed", "redis-error"]);
    const login = await check(kit, defaults.use("login"), who);
    expect([login.outcome, login.degraded]).toEqual(["unavailable", "redis-error"]);
    // A route with both: the closed policy decides → 503, and the header lists both policies.
    const both = await check(kit, defaults.use("api", "login"), who);
    const res = refusalResponse(both, defaults.settings)!;
    expect(res.status).toBe(503);
    expect(res.headers.get("ratelimit-policy")).toBe('"api";q=100;w=60, "login";q=5;w=300');
  });
});
