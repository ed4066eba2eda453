/**
 * lib/cache against the real @upstash/redis client and upstash-local: exact round trips, TTLs and
 * profiles, invalidation by key / tag / namespace / prefix, size cap, single-flight in one process.
 */
import { describe, expect, it } from "vitest";
import { CacheSerializationError, CacheValueTooLargeError, createCache, type Cache } from "@/lib/cache";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
const cache = (ns: string, extra: Parameters<Cache["withNamespace"]>[1] = {}) => kit.cache.withNamespace(ns, extra);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("values come back exactly as they went in", () => {
  const tricky: [string, unknown][] = [
    ["numeric string", "123"],
    ["boolean-looking string", "true"],
    ["null-looking string", "null"],
    ["JSON-looking string", '{"a":1}'],
    ["empty string", ""],
    ["leading zeros", "007"],
    ["big numeric string", "12345678901234567890"],
    ["number", 123],
    ["float", 0.1 + 0.2],
    ["true", true],
    ["false", false],
    ["null", null],
    ["undefined", undefined],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["-0", -0],
    ["bigint", 12345678901234567890123n],
    ["Date", new Date("2024-01-02T03:04:05.678Z")],
    ["invalid Date", new Date(NaN)],
    ["Unicode", "héllo wörld — 日本語 🚀 \u0000 \u2028"],
    ["Map", new Map<unknown, unknown>([["a", 1], [2, new Date(0)]])],
    ["Set", new Set(["x", 1, null])],
    ["bytes", new Uint8Array([0, 1, 254, 255])],
    ["object with a $ key", { $: "date", v: "not a date" }],
    ["nested", { a: [1, "2", { b: undefined, c: [new Date(1), "null"] }], s: new Set([new Map([["k", 1n]])]) }],
    ["array with undefined", [1, undefined, 3]],
  ];

  it.each(tricky)("%s", async (_name, value) => {
    const c = cache("fidelity");
    const key = `k-${_name}`;
    await c.set(key, value, { ttl: "1 m" });
    const read = await c.lookup(key);
    expect(read.status).toBe("hit");
    expect(read.backend).toBe("redis");
    expect(read.value).toStrictEqual(value);
    if (typeof value === "number") expect(Object.is(read.value, value)).toBe(true);
  });

  it("mset writes many entries in one call and mget reads them back in order, misses as undefined", async () => {
    const c = cache("batch");
    const result = await c.mset([["a", "1"], ["b", { n: 2 }], ["c", null]], { ttl: "1 m" });
    expect(result).toMatchObject({ written: 3, backend: "redis" });
    expect(await c.mget(["a", "missing", "b", "c"])).toStrictEqual(["1", undefined, { n: 2 }, null]);
  });

  it("refuses values it cannot round-trip, with a typed error instead of storing {}", async () => {
    class User {
      constructor(readonly id: string) {}
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(cache("refuse").set("u", new User("1"))).rejects.toBeInstanceOf(CacheSerializationError);
    await expect(cache("refuse").set("c", cyclic)).rejects.toMatchObject({ code: "E_CACHE_UNSERIALIZABLE" });
    await expect(cache("refuse").set("f", { f: () => 1 })).rejects.toMatchObject({ message: /at value\.f/ });
  });
});

describe("size cap", () => {
  it("rejects an entry over maxValueBytes with E_CACHE_VALUE_TOO_LARGE and writes nothing", async () => {
    const c = cache("size", { maxValueBytes: 1024 });
    await expect(c.set("big", "x".repeat(2000))).rejects.toBeInstanceOf(CacheValueTooLargeError);
    await expect(c.set("big", "x".repeat(2000))).rejects.toMatchObject({ code: "E_CACHE_VALUE_TOO_LARGE", context: { maxBytes: 1024 } });
    expect((await c.lookup("big")).status).toBe("miss");
    await c.set("small", "x".repeat(500));
    expect(await c.get("small")).toBe("x".repeat(500));
  });

  it("measures UTF-8 bytes, not UTF-16 code units", async () => {
    const c = cache("size-utf8", { maxValueBytes: 400 });
    // 150 × "日" = 150 code units but 450 bytes.
    await expect(c.set("cjk", "日".repeat(150))).rejects.toBeInstanceOf(CacheValueTooLargeError);
  });
});

describe("TTL", () => {
  it("every entry gets a Redis expiry: the profile of its namespace, else 300 s", async () => {
    const redis = kit.redis!;
    await cache("posts").set("p1", 1);
    await cache("categories").set("c1", 1);
    await cache("whatever").set("w1", 1);
    await cache("whatever").set("w2", 1, { profile: "messages" });
    await cache("whatever").set("w3", 1, { ttl: "10 s", staleWhileRevalidate: "5 s" });
    const pttl = (ns: string, k: string) => redis.pttl(kit.keys.cache(ns, k));
    expect(await pttl("posts", "p1")).toBeGreaterThan(55_000);
    expect(await pttl("posts", "p1")).toBeLessThanOrEqual(60_000);
    expect(await pttl("categories", "c1")).toBeGreaterThan(3_590_000);
    expect(await pttl("whatever", "w1")).toBeGreaterThan(295_000);
    expect(await pttl("whatever", "w1")).toBeLessThanOrEqual(300_000);
    expect(await pttl("whatever", "w2")).toBeLessThanOrEqual(30_000);
    expect(await pttl("whatever", "w3")).toBeGreaterThan(14_000);
    expect(await pttl("whatever", "w3")).toBeLessThanOrEqual(15_000);
  });

  it("rejects a zero TTL: a cache entry without expiry is a leak", async () => {
    await expect(cache("ttl").set("z", 1, { ttl: 0 })).rejects.toBeInstanceOf(RangeError);
  });

  it("an entry is a miss once its TTL passed", async () => {
    const c = cache("expiry");
    await c.set("short", "v", { ttl: "150 ms" });
    expect((await c.lookup("short")).status).toBe("hit");
    await sleep(250);
    expect((await c.lookup("short")).status).toBe("miss");
  });
});

describe("invalidation", () => {
  it("delete removes exact keys", async () => {
    const c = cache("del");
    await c.mset([["a", 1], ["b", 2]]);
    expect((await c.delete("a", "b", "nope")).deleted).toBe(2);
    expect(await c.mget(["a", "b"])).toStrictEqual([undefined, undefined]);
  });

  it("invalidateTags makes every entry with the tag a miss, and only those, in one command", async () => {
    const c = cache("tags");
    await c.set("post:1", "p1", { tags: ["user:1"] });
    await c.set("post:2", "p2", { tags: ["user:1", "feed"] });
    await c.set("post:3", "p3", { tags: ["user:2"] });
    await c.invalidateTags(["user:1"]);
    expect((await c.lookup("post:1", { tags: ["user:1"] })).status).toBe("miss");
    // Read without naming its tags: the script still checks the tags stored in the entry.
    expect((await c.lookup("post:2")).status).toBe("miss");
    expect(await c.get("post:3", { tags: ["user:2"] })).toBe("p3");
    // Written again after the invalidation: valid under the new version.
    await c.set("post:1", "p1b", { tags: ["user:1"] });
    expect(await c.get("post:1", { tags: ["user:1"] })).toBe("p1b");
  });

  it("tags are shared across namespaces: one tag invalidates entries in every namespace", async () => {
    await cache("ns-a").set("x", 1, { tags: ["shared-tag"] });
    await cache("ns-b").set("y", 2, { tags: ["shared-tag"] });
    await kit.cache.invalidateTags(["shared-tag"]);
    expect(await cache("ns-a").get("x")).toBeUndefined();
    expect(await cache("ns-b").get("y")).toBeUndefined();
  });

  it("invalidateNamespace drops a whole namespace in O(1) and leaves other namespaces alone", async () => {
    const users = cache("nsv-users");
    const other = cache("nsv-other");
    await users.mset([["1", "a"], ["2", "b"]]);
    await other.set("1", "kept");
    await users.invalidateNamespace();
    expect(await users.mget(["1", "2"])).toStrictEqual([undefined, undefined]);
    expect(await other.get("1")).toBe("kept");
  });

  it("a missing version key means invalid (an evicted version never revives old entries)", async () => {
    const c = cache("evicted");
    await c.set("k", "v", { tags: ["evictable"] });
    await kit.redis!.del(kit.keys.cacheTag("evictable"));
    expect((await c.lookup("k")).status).toBe("miss");
    await c.set("k2", "v2");
    await kit.redis!.del(kit.keys.cacheNamespaceVersion("evicted"));
    expect((await c.lookup("k2")).status).toBe("miss");
  });

  it("invalidatePrefix deletes exactly the keys starting with the prefix, by bounded SCAN", async () => {
    const c = cache("prefix");
    await c.mset([["user-1", 1], ["user-2", 2], ["user*", 3], ["users", 4], ["post-1", 5]]);
    const result = await c.invalidatePrefix("user-");
    expect(result).toMatchObject({ deleted: 2, complete: true, backend: "redis" });
    expect(await c.mget(["user-1", "user-2", "user*", "users", "post-1"])).toStrictEqual([undefined, undefined, 3, 4, 5]);
  });

  it("invalidatePrefix stops after maxIterations SCAN calls and says it is incomplete", async () => {
    const c = cache("prefix-bounded");
    await c.mset(Array.from({ length: 50 }, (_, i) => [`k${i}`, i] as const));
    const first = await c.invalidatePrefix("k", { count: 1, maxIterations: 2 });
    expect(first.scanned).toBe(2);
    expect(first.complete).toBe(false);
    let total = first.deleted;
    for (let i = 0; i < 200; i++) {
      const next = await c.invalidatePrefix("k", { count: 1000, maxIterations: 100 });
      total += next.deleted;
      if (next.complete) break;
    }
    expect(total).toBe(50);
  });
});

describe("getOrSet and cached()", () => {
  it("loads on miss, then serves hits without calling the loader", async () => {
    const c = cache("gos");
    let calls = 0;
    const load = async () => ({ n: ++calls, at: new Date(1000) });
    expect(await c.getOrSet("k", load)).toStrictEqual({ n: 1, at: new Date(1000) });
    expect(await c.getOrSet("k", load)).toStrictEqual({ n: 1, at: new Date(1000) });
    expect(calls).toBe(1);
  });

  it("cached(fn, {key, ttl, tags}) wraps a function; a tag invalidation reloads", async () => {
    const c = cache("decorator");
    const calls: string[] = [];
    const getUser = c.cached(async (id: string) => (calls.push(id), { id, name: `user ${id}` }), {
      key: (id) => `user:${id}`,
      ttl: "1 m",
      tags: (id) => [`user:${id}`],
    });
    expect(await getUser("1")).toStrictEqual({ id: "1", name: "user 1" });
    await getUser("1");
    await getUser("2");
    expect(calls).toEqual(["1", "2"]);
    await c.invalidateTags(["user:1"]);
    await getUser("1");
    await getUser("2");
    expect(calls).toEqual(["1", "2", "1"]);
  });

  it("concurrent calls in one process share one loader call", async () => {
    const c = cache("single-flight");
    let calls = 0;
    const load = async () => {
      calls++;
      await sleep(100);
      return "v";
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => c.getOrSet("k", load)));
    expect(results).toEqual(Array(20).fill("v"));
    expect(calls).toBe(1);
  });

  it("a loader error is thrown to the caller, releases the lease and caches nothing", async () => {
    const c = cache("loader-error");
    await expect(c.getOrSet("k", async () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await kit.redis!.exists(`${kit.keys.cache("loader-error", "k")}:lease`)).toBe(0);
    expect(await c.getOrSet("k", async () => "ok")).toBe("ok");
  });

  it("a value loaded before an invalidation is not written after it (no stale resurrection)", async () => {
    const c = cache("race");
    const value = c.getOrSet(
      "k",
      async () => {
        await c.invalidateTags(["race-tag"]); // the source changed while we were loading
        return "old";
      },
      { tags: ["race-tag"] },
    );
    expect(await value).toBe("old");
    expect((await c.lookup("k", { tags: ["race-tag"] })).status).toBe("miss");
  });
});

describe("stale-while-revalidate", () => {
  it("serves the stale value at once and refreshes it in the background through waitUntil", async () => {
    const background: Promise<unknown>[] = [];
    const c = cache("swr", { waitUntil: (p) => background.push(p) });
    let version = 0;
    const load = async () => {
      await sleep(50);
      return `v${++version}`;
    };
    const opts = { ttl: "200 ms", staleWhileRevalidate: "10 s" } as const;
    expect(await c.getOrSet("k", load, opts)).toBe("v1");
    await sleep(300); // past fresh, inside stale
    const started = Date.now();
    expect(await c.getOrSet("k", load, opts)).toBe("v1"); // stale, immediately
    expect(Date.now() - started).toBeLessThan(50 + 1000); // did not wait for the loader (generous)
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect(await c.lookup("k")).toMatchObject({ status: "hit", value: "v2" });
  });

  it("lookup reports stale between the windows and miss after both", async () => {
    const c = cache("swr-windows");
    await c.set("k", 1, { ttl: "100 ms", staleWhileRevalidate: "200 ms" });
    expect((await c.lookup("k")).status).toBe("hit");
    await sleep(150);
    expect((await c.lookup("k")).status).toBe("stale");
    await sleep(250);
    expect((await c.lookup("k")).status).toBe("miss");
  });
});

describe("createCache without the kit", () => {
  it("works from its parts (redis, keys, clock)", async () => {
    const c = createCache({ redis: kit.redis, keys: kit.keys, clock: kit.clock }, { namespace: "standalone" });
    await c.set("k", "v");
    expect(await c.get("k")).toBe("v");
  });
});
