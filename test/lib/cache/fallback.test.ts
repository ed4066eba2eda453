/**
 * With Redis unavailable the cache degrades to a bounded per-instance LRU: requests still succeed
 * (HTTP responses from the origin), and the degradation is visible — `backend: "memory"` and a
 * reason on every result, in the stats, and as `x-cache-degraded` on responses. Faults are real:
 * msw answers 500 / drops connections in front of upstash-local, or a private redis-server is stopped.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { routes } from "@/kit.config";
import { getCacheStats } from "@/lib/cache";
import { defineRoutes } from "@/lib/policy";
import { spawnRedisServer } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const redisDown = () => msw.use(http.post(`${target.url}/*`, () => HttpResponse.json({ error: "upstash-local: Redis unavailable" }, { status: 500 })));
const connectionDropped = () => msw.use(http.post(`${target.url}/*`, () => HttpResponse.error()));

describe("library under faults", () => {
  it("set/get keep working from memory while Redis answers 500, marked backend memory + redis-error", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
    const cache = kit.cache.withNamespace("fb-500");
    redisDown();
    const write = await cache.set("k", { a: new Date(5) });
    expect(write).toMatchObject({ backend: "memory", degraded: "redis-error", written: 1 });
    const read = await cache.lookup("k");
    expect(read).toMatchObject({ status: "hit", backend: "memory", degraded: "redis-error" });
    expect(read.value).toStrictEqual({ a: new Date(5) });
    const stats = await getCacheStats(kit);
    expect(stats).toMatchObject({ backend: "memory", degraded: "redis-error", memoryEntries: 1 });
    expect(stats.memoryReads.hits).toBe(1);
  });

  it("getOrSet calls the loader on dropped connections and still answers; after recovery Redis is used again", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
    const cache = kit.cache.withNamespace("fb-drop");
    let calls = 0;
    connectionDropped();
    expect(await cache.getOrSet("k", async () => ++calls)).toBe(1);
    expect(await cache.getOrSet("k", async () => ++calls)).toBe(1); // from memory
    expect((await getCacheStats(kit)).backend).toBe("memory");
    msw.resetHandlers();
    expect(await cache.getOrSet("k", async () => ++calls)).toBe(2); // Redis had nothing yet
    expect((await cache.lookup("k")).backend).toBe("redis");
    expect(await getCacheStats(kit)).toMatchObject({ backend: "redis" });
  });

  it("the circuit breaker skips Redis after repeated failures: reason circuit-open", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "2", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
    const cache = kit.cache.withNamespace("fb-breaker");
    redisDown();
    await cache.get("a");
    await cache.get("b");
    expect(await cache.lookup("c")).toMatchObject({ status: "miss", backend: "memory", degraded: "circuit-open" });
  });

  it("the memory fallback is bounded: least recently used entries are evicted", async () => {
    const { createCache } = await import("@/lib/cache");
    const kit = createTestKit();
    const cache = createCache({ redis: null, keys: kit.keys, clock: kit.clock }, { namespace: "lru", memory: { maxEntries: 3 } });
    for (const k of ["a", "b", "c"]) await cache.set(k, k);
    await cache.get("a"); // a is now most recent
    await cache.set("d", "d");
    expect(await cache.mget(["a", "b", "c", "d"])).toStrictEqual(["a", undefined, "c", "d"]);
    expect(cache.localState().memoryEntries).toBe(3);
    expect((await cache.lookup("a")).degraded).toBe("no-redis");
  });

  it("invalidations still apply to the memory fallback while Redis is down", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
    const cache = kit.cache.withNamespace("fb-inval");
    redisDown();
    await cache.set("k", 1, { tags: ["t"] });
    await cache.set("j", 2);
    const tagResult = await cache.invalidateTags(["t"]);
    expect(tagResult).toMatchObject({ backend: "memory", degraded: "redis-error" });
    expect(await cache.get("k")).toBeUndefined();
    await cache.invalidateNamespace();
    expect(await cache.get("j")).toBeUndefined();
  });

  it("with CACHE_FAIL_POLICY=closed a Redis failure throws a typed 503-class error instead", async () => {
    const kit = createTestKit({ env: { CACHE_FAIL_POLICY: "closed", REDIS_BREAKER_THRESHOLD: "0" } });
    redisDown();
    await expect(kit.cache.get("k")).rejects.toMatchObject({ code: "E_REDIS_UNAVAILABLE" });
  });

  it("memory mode (no Redis configured) reports backend memory, reason no-redis", async () => {
    const kit = createTestKit({ memory: true });
    await kit.cache.set("k", "v");
    expect(await kit.cache.lookup("k")).toMatchObject({ status: "hit", value: "v", backend: "memory", degraded: "no-redis" });
    expect(await getCacheStats(kit)).toMatchObject({ backend: "memory", degraded: "no-redis", hitRatePercent: null });
  });
});

describe("edge route under a stopped redis-server", () => {
  it("GET /items/:id still answers 200 from the origin, with x-cache-degraded and backend memory in the stats", async () => {
    const redis = await spawnRedisServer();
    const token = "fallback-token";
    const local = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
    try {
      const kit = createTestKit({ url: local.url, token, env: { REDIS_BREAKER_THRESHOLD: "0", REDIS_COMMAND_TIMEOUT_MS: "300" } });
      const app = createApp(kit, { register: registerExampleRoutes, basePath: "/api/edge", routes });
      expect((await app.request("/api/edge/items/a1")).headers.get("x-cache")).toBe("MISS");
      expect((await app.request("/api/edge/items/a1")).headers.get("x-cache")).toBe("HIT");
      await redis.stop();

      const miss = await app.request("/api/edge/items/b2");
      expect(miss.status).toBe(200);
      expect(miss.headers.get("x-cache")).toBe("MISS");
      expect(miss.headers.get("x-cache-degraded")).toMatch(/redis-error|timeout/);
      expect(await miss.json()).toMatchObject({ id: "b2" });
      // A degraded lookup hands out no lease (ticket ""), so the response is not stored — not even in this
      // instance's memory: the write could reach Redis again with no captured versions (see below). As on Next.
      const again = await app.request("/api/edge/items/b2");
      expect(again.status).toBe(200);
      expect(again.headers.get("x-cache")).toBe("MISS");
      expect(again.headers.get("x-cache-degraded")).toMatch(/redis-error|timeout/);
      expect(await getCacheStats(kit)).toMatchObject({ backend: "memory" });
    } finally {
      await local.close();
      await redis.stop();
    }
  }, 30_000);
});

describe("a fill ticket from a degraded lookup", () => {
  it("Hono: the MISS is served but never stored as valid, even when Redis is back by the time it would be", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
    const routes = defineRoutes([{ pattern: "/thing", methods: ["GET"], name: "fb-ticket", policy: { cache: { ttl: "1 m" } } }]);
    const app = createApp(kit, { register: registerExampleRoutes, basePath: "/api/edge", routes });
    let n = 0;
    app.get("/thing", (c) => c.json({ n: ++n }));
    // Only the lookup fails: its ticket is "" (no lease, no captured versions); the store would reach Redis.
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.json({ error: "upstash-local: Redis unavailable" }, { status: 500 }), { once: true }));
    const degraded = await app.request("/api/edge/thing");
    expect([degraded.status, degraded.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect(degraded.headers.get("x-cache-degraded")).toBe("redis-error");

    // Had the "" ticket been used, its body (possibly older than an invalidation made meanwhile) would be a HIT now.
    const next = await app.request("/api/edge/thing");
    expect([next.headers.get("x-cache"), next.headers.get("x-cache-degraded")]).toEqual(["MISS", null]);
    expect(await next.json()).toStrictEqual({ n: 2 });
    const hit = await app.request("/api/edge/thing");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(await hit.json()).toStrictEqual({ n: 2 });
  });
});
