/**
 * The health routes through their exported Next handlers (getKit() from process.env): shapes and
 * status codes, budgets when Redis hangs or fails (hung node:http endpoint, msw 5xx), and no secret
 * or internal address in any body.
 */
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as healthz } from "@/app/healthz/route";
import { GET as live } from "@/app/healthz/live/route";
import { GET as apiHealth } from "@/app/api/health/route";
import { GET as cacheHealth } from "@/app/api/health/cache/route";
import { GET as redisHealth } from "@/app/api/health/redis/route";
import { testRedis, uniquePrefix, upstashTarget } from "../setup/redis";
import { startHungEndpoint, type HungEndpoint } from "../lib/observability/hung-endpoint";
import { useRouteEnv, type RouteEnv } from "./health-env";

const target = upstashTarget();
const PREFIX = uniquePrefix("health").slice(0, -1).replace(":", "-");
const METRICS_TOKEN = `mt-${randomBytes(16).toString("hex")}`;
const CRON_SECRET = `cs-${randomBytes(16).toString("hex")}`;
const SECRETS = [target.token, METRICS_TOKEN, CRON_SECRET];

/** A GET as Next hands it to a route handler. */
const get = (path: string) => new Request(`http://localhost${path}`);
const msw = setupServer(http.all("*", () => passthrough()));
let hung: HungEndpoint;
let restore: () => void = () => {};

function env(extra: RouteEnv = {}): void {
  restore();
  restore = useRouteEnv({
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: PREFIX,
    METRICS_TOKEN,
    CRON_SECRET,
    ...extra,
  });
}

/** Status, content type and body text; asserts no secret and no REST address leaked into it. */
async function call(res: Response | Promise<Response>, ...hidden: string[]) {
  const r = await res;
  const text = await r.text();
  for (const secret of [...SECRETS, ...hidden, new URL(target.url).host]) expect(text).not.toContain(secret);
  return { status: r.status, type: r.headers.get("content-type"), cache: r.headers.get("cache-control"), body: JSON.parse(text) };
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await run();
  return { ms: Date.now() - started, value };
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: "bypass" });
  hung = await startHungEndpoint();
});
afterEach(() => {
  msw.resetHandlers();
  restore();
  restore = () => {};
});
afterAll(async () => {
  msw.close();
  await hung.close();
  const raw = testRedis();
  await raw.del(`${PREFIX}:cache-stats`);
});

describe("GET /healthz (readiness)", () => {
  it("passes with application/health+json, the PING latency and no degraded features", async () => {
    env();
    const r = await call(healthz(get("/healthz")));
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/health+json");
    expect(r.cache).toBe("no-store");
    expect(r.body.status).toBe("pass");
    expect(r.body.checks["redis:responseTime"][0]).toMatchObject({ componentType: "datastore", observedUnit: "ms", status: "pass" });
    expect(r.body.degradedFeatures).toEqual([]);
  });

  it("fails with 503 within its 300 ms budget when Redis hangs, listing degraded features", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0" });
    const { ms, value: r } = await timed(() => call(healthz(get("/healthz")), hung.url));
    expect(ms).toBeLessThan(1500);
    expect(r.status).toBe(503);
    expect(r.body.status).toBe("fail");
    expect(r.body.degradedFeatures.length).toBeGreaterThan(0);
  });

  it("reports the fail policy each rate-limit policy in kit.config.ts really has, not only the config default", async () => {
    // `api` fails open by its own definition; `orders` follows RATE_LIMIT_FAIL_POLICY, closed here.
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0", RATE_LIMIT_FAIL_POLICY: "closed" });
    const r = await call(healthz(get("/healthz")), hung.url);
    const rateLimit = r.body.degradedFeatures.filter((d: { feature: string }) => d.feature === "ratelimit");
    expect(rateLimit).toEqual([
      { feature: "ratelimit", behaviour: "allowing every request (fail open)", appliesTo: ["api"] },
      { feature: "ratelimit", behaviour: "refusing requests with 503 (fail closed)", appliesTo: ["orders"] },
    ]);
    expect(r.body.notes[0]).toContain("ratelimit (api) allowing every request");
  });

  it("answers a 500 problem, naming no value, when the config fails validation at run time", async () => {
    env({ REDIS_BREAKER_THRESHOLD: "lots" });
    const original = console.error;
    const logged: string[] = [];
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    try {
      const r = await call(healthz(get("/healthz")), "lots");
      expect(r.status).toBe(500);
      expect(r.type).toBe("application/problem+json");
      expect(r.body).toMatchObject({ status: 500, instance: "/healthz" });
    } finally {
      console.error = original;
    }
    expect(logged.join("\n")).toContain("REDIS_BREAKER_THRESHOLD");
  });

  it("fails with 503 when the REST endpoint answers 500 (msw)", async () => {
    env({ REDIS_BREAKER_THRESHOLD: "0" });
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.text("upstream exploded", { status: 500 })));
    const r = await call(healthz(get("/healthz")));
    expect(r.status).toBe(503);
    expect(r.body.status).toBe("fail");
  });
});

describe("GET /healthz/live (liveness)", () => {
  it("passes at once without touching Redis, even when Redis hangs", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url });
    const before = hung.requests();
    const r = await call(Promise.resolve(live()), hung.url);
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/health+json");
    expect(r.body.status).toBe("pass");
    expect(hung.requests()).toBe(before);
  });
});

describe("GET /api/health (frontend proxy)", () => {
  const req = (headers: Record<string, string> = {}) => new Request("http://localhost/api/health", { headers });

  it("checks in process when BACKEND_HEALTH_URL is unset and answers { status } only", async () => {
    env();
    const r = await call(apiHealth(req()));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "pass" });
  });

  describe("with BACKEND_HEALTH_URL", () => {
    let backend: Server;
    let backendUrl: string;
    let reply: { status: number; body: string } = { status: 200, body: "" };
    let seenHeaders: Record<string, unknown> = {};
    beforeAll(async () => {
      backend = createServer((rq, rs) => {
        seenHeaders = rq.headers;
        if (rq.url === "/hang") return; // never answers
        rs.writeHead(reply.status, { "content-type": "application/health+json" }).end(reply.body);
      });
      await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
      backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    });
    afterAll(() => {
      backend.closeAllConnections();
      backend.close();
    });

    it("forwards and reports only the backend's status, never its body or address", async () => {
      reply = {
        status: 200,
        body: JSON.stringify({ status: "warn", checks: { "redis:responseTime": [{ componentId: "eu1-secret-host.upstash.io" }] }, notes: ["internal"] }),
      };
      env({ BACKEND_HEALTH_URL: `${backendUrl}/healthz` });
      const r = await call(apiHealth(req()), backendUrl, "eu1-secret-host", "internal");
      expect(r.body).toEqual({ status: "warn" });
      expect(r.status).toBe(200);
      expect(seenHeaders["x-edge-kit-health-proxy"]).toBe("1");
    });

    it("maps a failing backend to 503 fail", async () => {
      reply = { status: 503, body: JSON.stringify({ status: "fail" }) };
      env({ BACKEND_HEALTH_URL: `${backendUrl}/healthz` });
      const r = await call(apiHealth(req()), backendUrl);
      expect(r).toMatchObject({ status: 503, body: { status: "fail" } });
    });

    it("uses the HTTP status when the backend's body is not health JSON", async () => {
      reply = { status: 502, body: "<html>bad gateway</html>" };
      env({ BACKEND_HEALTH_URL: `${backendUrl}/healthz` });
      expect((await call(apiHealth(req()), backendUrl)).body).toEqual({ status: "fail" });
      reply = { status: 200, body: "OK" };
      expect((await call(apiHealth(req()), backendUrl)).body).toEqual({ status: "pass" });
    });

    it("fails within its 1 s timeout when the backend hangs", async () => {
      env({ BACKEND_HEALTH_URL: `${backendUrl}/hang` });
      const { ms, value: r } = await timed(() => call(apiHealth(req()), backendUrl));
      expect(ms).toBeLessThan(3000);
      expect(r).toMatchObject({ status: 503, body: { status: "fail" } });
    });

    it("checks in process instead of forwarding a request that already came through a proxy (no loops)", async () => {
      env({ BACKEND_HEALTH_URL: `${backendUrl}/hang` });
      const { ms, value: r } = await timed(() => call(apiHealth(req({ "x-edge-kit-health-proxy": "1" }))));
      expect(ms).toBeLessThan(900);
      expect(r.body).toEqual({ status: "pass" });
    });
  });

  it("answers fail within budget when Redis hangs (in process)", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0" });
    const { ms, value: r } = await timed(() => call(apiHealth(req()), hung.url));
    expect(ms).toBeLessThan(1500);
    expect(r).toMatchObject({ status: 503, body: { status: "fail" } });
  });
});

describe("GET /api/health/cache", () => {
  it("reports the redis backend and the hit/miss stats every instance shares", async () => {
    env();
    await testRedis().hset(`${PREFIX}:cache-stats`, { hit: 6, miss: 2, stale: 0 });
    const r = await call(cacheHealth(get("/api/health/cache")));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: "pass",
      backend: "redis",
      latency_ms: expect.any(Number),
      stats: { hits: 6, misses: 2, hit_rate_percent: 75, redis_available: true, memory_cache_size: expect.any(Number) },
    });
    // A second instance (fresh kit, same app) reads the same numbers.
    env();
    expect((await call(cacheHealth(get("/api/health/cache")))).body.stats.hits).toBe(6);
  });

  it("answers within budget on the memory fallback when Redis hangs (fail open: warn, 200)", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0" });
    const { ms, value: r } = await timed(() => call(cacheHealth(get("/api/health/cache")), hung.url));
    expect(ms).toBeLessThan(1500);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "warn", backend: "memory", stats: { redis_available: false } });
  });

  it("fails with 503 when the cache is fail-closed and Redis is down", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0", CACHE_FAIL_POLICY: "closed" });
    const r = await call(cacheHealth(get("/api/health/cache")), hung.url);
    expect(r).toMatchObject({ status: 503, body: { status: "fail" } });
  });
});

describe("GET /api/health/redis", () => {
  it("answers { enabled, info } with exactly four INFO figures", async () => {
    env();
    const r = await call(redisHealth(get("/api/health/redis")));
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["enabled", "info"]);
    expect(r.body.enabled).toBe(true);
    expect(Object.keys(r.body.info).sort()).toEqual([
      "connected_clients",
      "instantaneous_ops_per_sec",
      "total_commands_processed",
      "used_memory_human",
    ]);
    expect(r.body.info.total_commands_processed).toBeGreaterThan(0);
    expect(r.body.info.used_memory_human).toMatch(/\d/);
  });

  it("reports enabled: false without Redis", async () => {
    restore();
    restore = useRouteEnv({ EDGE_KIT_KEY_PREFIX: PREFIX });
    expect((await call(redisHealth(get("/api/health/redis")))).body).toEqual({ enabled: false, info: null });
  });

  it("answers 503 with info: null within its budget when Redis hangs", async () => {
    env({ UPSTASH_REDIS_REST_URL: hung.url, REDIS_BREAKER_THRESHOLD: "0" });
    const { ms, value: r } = await timed(() => call(redisHealth(get("/api/health/redis")), hung.url));
    expect(ms).toBeLessThan(1500);
    expect(r).toMatchObject({ status: 503, body: { enabled: true, info: null } });
  });
});
