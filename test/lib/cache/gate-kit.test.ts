/**
 * The gate kit (lib/kit.ts createGateKit): what Next's middleware builds, so its edge bundle carries
 * only the cache's lookup and fill lease. Completing it must give the same kit object with a whole
 * Cache over the same state: a route in the same isolate then shares the gates' memory fallback,
 * and per-kit state keyed by the object (rate-limit registries, deferred counts) stays one.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../lib/config";
import { completeKit, createGateKit } from "../../../lib/kit";
import { uniquePrefix, upstashTarget } from "../../setup/redis";

function gateKit(memory = false) {
  const target = upstashTarget();
  const env = {
    NODE_ENV: "test",
    EDGE_KIT_KEY_PREFIX: uniquePrefix("t").slice(0, -1).replace(":", "-"),
    ...(memory ? {} : { UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token }),
  };
  return createGateKit(loadConfig(env));
}

describe("createGateKit / completeKit", () => {
  it("the gate kit's cache is the lookup and fill lease only", () => {
    const kit = gateKit();
    const cache = kit.cache.withNamespace("gk-shape");
    expect(Object.keys(cache).sort()).toEqual(["fill", "namespace", "withNamespace"]);
    expect(Object.keys(cache.fill).sort()).toEqual(["acquire", "begin", "release"]);
    expect(cache.namespace).toBe("gk-shape");
  });

  it("completing keeps the kit object and gives it the whole cache; completing twice is a no-op", () => {
    const kit = gateKit();
    const full = completeKit(kit);
    expect(full).toBe(kit);
    expect(typeof full.cache.getOrSet).toBe("function");
    expect(completeKit(kit).cache).toBe(full.cache);
    expect(() => completeKit({ ...kit })).toThrow(TypeError);
  });

  it("a lease the gate cache took is completed by the whole cache (Redis)", async () => {
    const kit = gateKit();
    const begun = await kit.cache.withNamespace("gk-redis").fill.begin("k", { tags: ["gk-tag"] });
    expect(begun.status).toBe("miss");
    expect(begun.lease?.won).toBe(true);
    const full = completeKit(kit).cache.withNamespace("gk-redis");
    const written = await full.fill.complete("k", { v: 1 }, { ticket: begun.lease!.ticket, tags: ["gk-tag"] });
    expect(written).toMatchObject({ written: 1, backend: "redis" });
    const hit = await kit.cache.withNamespace("gk-redis").fill.begin("k", { tags: ["gk-tag"] });
    expect(hit).toMatchObject({ status: "hit", value: { v: 1 }, backend: "redis" });
  });

  it("in memory mode the gate cache and the whole cache share one memory store and local state", async () => {
    const kit = gateKit(true);
    const gate = kit.cache.withNamespace("gk-memory");
    const full = completeKit(kit).cache.withNamespace("gk-memory");
    await full.set("k", "kept in memory");
    const found = await gate.fill.begin("k");
    expect(found).toMatchObject({ status: "hit", value: "kept in memory", backend: "memory", degraded: "no-redis" });
    expect(full.localState()).toMatchObject({ memoryEntries: 1, degraded: "no-redis", memoryReads: { hits: 1 } });
  });
});
