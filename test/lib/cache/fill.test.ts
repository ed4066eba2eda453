/**
 * cache.fill.complete writes to Redis only with a ticket that carries the version tokens captured
 * before loading. An empty ticket (what a degraded lookup or a lost lease yields) used to write with
 * the "current" versions, so a value loaded before an invalidation was stored as valid after it.
 */
import { describe, expect, it } from "vitest";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
const redis = kit.redis!;
const leaseKey = (ns: string, key: string) => `${kit.keys.cache(ns, key)}:lease`;

describe("fill.complete without captured tokens", () => {
  it("an empty ticket never writes to Redis: a value loaded before an invalidation stays out", async () => {
    const c = kit.cache.withNamespace("fill-empty");
    await c.set("other", 1, { tags: ["fill-empty-tag"] }); // the version keys exist
    // A degraded lookup gave this request the ticket "" and it loaded the value...
    const loaded = "loaded before the update";
    // ...then the source changed and was invalidated, before the value was stored.
    await c.invalidateTags(["fill-empty-tag"]);
    const result = await c.fill.complete("k", loaded, { ticket: "", tags: ["fill-empty-tag"] });
    expect(result).toMatchObject({ written: 1, backend: "memory", unshared: "no-ticket" });
    expect(await redis.exists(kit.keys.cache("fill-empty", "k"))).toBe(0);
    expect((await c.lookup("k", { tags: ["fill-empty-tag"] })).status).toBe("miss");
  });

  it("a ticket whose token list does not match the tags is not a captured stamp; its lease is released", async () => {
    const c = kit.cache.withNamespace("fill-short");
    const acquired = await c.fill.acquire("k", { tags: ["a"] });
    expect(acquired.won).toBe(true);
    const [lease, nsToken] = acquired.ticket.split(".");
    // Namespace token only: short by the tag's token.
    const result = await c.fill.complete("k", "v", { ticket: `${lease}.${nsToken}`, tags: ["a"] });
    expect(result).toMatchObject({ backend: "memory", unshared: "no-ticket" });
    expect(await redis.exists(kit.keys.cache("fill-short", "k"))).toBe(0);
    expect(await redis.exists(leaseKey("fill-short", "k"))).toBe(0);
  });

  it("a complete ticket still writes to Redis and releases the lease", async () => {
    const c = kit.cache.withNamespace("fill-ok");
    const acquired = await c.fill.acquire("k", { tags: ["fill-ok-tag"] });
    const result = await c.fill.complete("k", "v", { ticket: acquired.ticket, tags: ["fill-ok-tag"] });
    expect(result).toMatchObject({ written: 1, backend: "redis" });
    expect(result.unshared).toBeUndefined();
    expect(await c.get("k", { tags: ["fill-ok-tag"] })).toBe("v");
    expect(await redis.exists(leaseKey("fill-ok", "k"))).toBe(0);
  });

  it("a value too large to store releases the lease instead of leaving it to lapse", async () => {
    const c = kit.cache.withNamespace("fill-large", { maxValueBytes: 256 });
    const acquired = await c.fill.acquire("k");
    await expect(c.fill.complete("k", "x".repeat(1000), { ticket: acquired.ticket })).rejects.toMatchObject({ code: "E_CACHE_VALUE_TOO_LARGE" });
    expect(await redis.exists(leaseKey("fill-large", "k"))).toBe(0);
  });
});
