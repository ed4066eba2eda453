/**
 * CACHE_WRITE keeps namespace/tag version keys alive for as long as the entries stamped with them:
 * they used to be created with EX 31 d and never extended, so every namespace and tag was flushed
 * 31 days after it was first used, all its entries at once. (Pinned SHA-1s: test/lib/redis/scripts.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
const redis = kit.redis!;
const DAY_MS = 86_400_000;

describe("CACHE_WRITE and version key lifetimes", () => {
  it("extends a version key that would expire before the entry written with it", async () => {
    const c = kit.cache.withNamespace("vttl-extend");
    await c.set("first", 1, { tags: ["vttl-tag"] }); // creates both version keys
    const nsKey = kit.keys.cacheNamespaceVersion("vttl-extend");
    const tagKey = kit.keys.cacheTag("vttl-tag");
    // As if the keys were created 31 days minus 5 s ago.
    await redis.pexpire(nsKey, 5000);
    await redis.pexpire(tagKey, 5000);

    await c.set("second", 2, { tags: ["vttl-tag"], ttl: "1 h" });
    const entryLeft = await redis.pttl(kit.keys.cache("vttl-extend", "second"));
    for (const key of [nsKey, tagKey]) {
      const left = await redis.pttl(key);
      expect(left).toBeGreaterThan(entryLeft);
      expect(left).toBeGreaterThan(30 * DAY_MS); // back to the full version lifetime (31 d)
    }
    // The older entry is still valid: extending keeps the token.
    expect(await c.mget(["first", "second"], { tags: ["vttl-tag"] })).toEqual([1, 2]);
  });

  it("extends through getOrSet's captured-token write too", async () => {
    const c = kit.cache.withNamespace("vttl-gos");
    await c.set("seed", 0);
    const nsKey = kit.keys.cacheNamespaceVersion("vttl-gos");
    await redis.pexpire(nsKey, 2000);
    expect(await c.getOrSet("k", () => "v", { ttl: "10 m" })).toBe("v");
    expect(await redis.pttl(nsKey)).toBeGreaterThan(await redis.pttl(kit.keys.cache("vttl-gos", "k")));
  });

  it("never shortens a version key, and leaves one without expiry alone", async () => {
    const c = kit.cache.withNamespace("vttl-keep");
    await c.set("a", 1, { tags: ["vttl-persist"] });
    const nsKey = kit.keys.cacheNamespaceVersion("vttl-keep");
    const tagKey = kit.keys.cacheTag("vttl-persist");
    await redis.pexpire(nsKey, 40 * DAY_MS);
    await redis.persist(tagKey);
    await c.set("b", 2, { tags: ["vttl-persist"], ttl: "1 m" });
    expect(await redis.pttl(nsKey)).toBeGreaterThan(39 * DAY_MS);
    expect(await redis.pttl(tagKey)).toBe(-1);
  });

  it("a write refused because a captured token changed extends nothing", async () => {
    const c = kit.cache.withNamespace("vttl-refused");
    await c.set("seed", 0, { tags: ["vttl-refused-tag"] });
    const tagKey = kit.keys.cacheTag("vttl-refused-tag");
    await redis.pexpire(tagKey, 5000);
    const value = await c.getOrSet(
      "k",
      async () => {
        await redis.set(tagKey, "v-someone-else", { px: 5000 }); // an invalidation while loading
        return "old";
      },
      { tags: ["vttl-refused-tag"] },
    );
    expect(value).toBe("old");
    expect((await c.lookup("k", { tags: ["vttl-refused-tag"] })).status).toBe("miss");
    expect(await redis.pttl(tagKey)).toBeLessThanOrEqual(5000);
  });
});
