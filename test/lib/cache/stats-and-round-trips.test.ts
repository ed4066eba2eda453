/**
 * Shared stats (Redis counters, not per process) and the round-trip budget, measured with
 * upstash-local's own /stats counters on a private upstash-local in front of the shared redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCacheStats } from "@/lib/cache";
import { cacheGate } from "@/lib/cache/gate";
import { loadConfig } from "@/lib/config";
import { createKit } from "@/lib/kit";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

let local: UpstashLocal;
const token = "cache-stats-token";
beforeAll(async () => {
  local = await startUpstashLocal({ port: 0, token, redisUrl: upstashTarget().redisUrl });
});
afterAll(() => local.close());

describe("stats shared by all instances", () => {
  it("hits, misses and stale reads from two instances add up in one set of Redis counters", async () => {
    const a = createTestKit();
    // A second "instance": its own kit and client, same deployment prefix.
    const b = createKit(loadConfig({ NODE_ENV: "test", EDGE_KIT_KEY_PREFIX: a.keys.prefix, UPSTASH_REDIS_REST_URL: upstashTarget().url, UPSTASH_REDIS_REST_TOKEN: upstashTarget().token }));
    expect(await getCacheStats(a)).toMatchObject({ hits: 0, misses: 0, stale: 0, hitRatePercent: null, backend: "redis" });
    await a.cache.set("k", 1);
    await a.cache.get("k"); // hit
    await b.cache.get("k"); // hit
    await b.cache.get("nope"); // miss
    await a.cache.set("s", 1, { ttl: "1 ms", staleWhileRevalidate: "1 m" });
    await new Promise((r) => setTimeout(r, 5));
    await b.cache.get("s"); // stale
    const stats = await getCacheStats(b);
    expect(stats).toMatchObject({ hits: 2, misses: 1, stale: 1, hitRatePercent: 75, backend: "redis", memoryEntries: 0 });
    expect(await getCacheStats(a)).toMatchObject({ hits: 2, misses: 1, stale: 1 });
  });
});

describe("round trips", () => {
  it("a HIT through the middleware gate is one HTTP request and one Redis command (versions and stats included)", async () => {
    const kit = createTestKit({ url: local.url, token });
    const table = createRouteTable(
      defineRoutes([{ pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { cache: { ttl: "1 m", tags: (p) => [`item:${p.id}`] } } }]),
    );
    const route = table.match("GET", "/items/7")!;
    const request = new Request("http://localhost/api/items/7");
    const ctx = { kit, request, route, identity: { ip: null, userId: null }, waitUntil: () => {} };
    const miss = await cacheGate(ctx);
    expect(miss.action).toBe("continue");
    const { storeCachedResponse } = await import("@/lib/cache");
    const ticketed = new Request(request.url, { headers: { "x-edge-kit-cache-fill": (miss.action === "continue" && miss.requestHeaders?.get("x-edge-kit-cache-fill")) || "" } });
    expect((await storeCachedResponse(kit, ticketed, Response.json({ id: "7" }), route)).outcome).toBe("stored");

    const before = local.stats();
    const hit = await cacheGate(ctx);
    const after = local.stats();
    expect(hit.action).toBe("respond");
    if (hit.action === "respond") expect(hit.response.headers.get("x-cache")).toBe("HIT");
    expect(after.httpRequests - before.httpRequests).toBe(1);
    expect(after.redisCommands - before.redisCommands).toBe(1);
  });

  it("mget of 20 keys is one HTTP request; mset of 20 entries is one command; a tag invalidation is one command", async () => {
    const kit = createTestKit({ url: local.url, token });
    const cache = kit.cache.withNamespace("rt");
    await cache.set("warm", 1); // load the scripts once
    await cache.get("warm");
    const entries = Array.from({ length: 20 }, (_, i) => [`k${i}`, { i }] as const);

    let before = local.stats();
    await cache.mset(entries, { tags: ["rt-tag"] });
    let after = local.stats();
    expect([after.httpRequests - before.httpRequests, after.redisCommands - before.redisCommands]).toEqual([1, 1]);

    before = local.stats();
    const values = await cache.mget(entries.map(([k]) => k), { tags: ["rt-tag"] });
    after = local.stats();
    expect(values).toStrictEqual(entries.map(([, v]) => v));
    expect(after.httpRequests - before.httpRequests).toBe(1);

    before = local.stats();
    await cache.invalidateTags(["rt-tag"]);
    after = local.stats();
    expect([after.httpRequests - before.httpRequests, after.redisCommands - before.redisCommands]).toEqual([1, 1]);
    expect(await cache.mget(["k0", "k19"])).toStrictEqual([undefined, undefined]);
  });
});
