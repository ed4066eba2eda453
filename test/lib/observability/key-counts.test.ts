import { beforeAll, describe, expect, it } from "vitest";
import { countKeysByFamily, scanKeys } from "@/lib/observability";
import { summarizeRedisInfo, parseRedisInfo } from "@/lib/observability";
import { createTestKit } from "../../setup/kit";
import { testRedis } from "../../setup/redis";

describe("countKeysByFamily", () => {
  const kit = createTestKit();
  const redis = testRedis();

  beforeAll(async () => {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 25; i++) writes.push(redis.set(kit.keys.lock(`l${i}`), "x", { ex: 120 }));
    for (let i = 0; i < 3; i++) writes.push(redis.set(kit.keys.dedupe("permits", `p${i}`), "1", { ex: 120 }));
    writes.push(redis.hset(kit.keys.cacheStats(), { hit: 1 }), redis.expire(kit.keys.cacheStats(), 120));
    // Another app's keys with a prefix that starts the same way must not be counted.
    writes.push(redis.set(`${kit.keys.prefix}x:lock:intruder`, "x", { ex: 120 }));
    await Promise.all(writes);
  });

  it("counts every family exactly when the walk finishes within its page budget", async () => {
    // A budget sized for the shared test database (see the scanKeys test below), not the default 10 × 1,000.
    const counts = await countKeysByFamily(kit.redis!, kit.keys, { families: ["lock", "dedupe", "cache-stats", "session"], maxPages: 1_000 });
    expect(counts).toEqual([
      { family: "lock", count: 25, exact: true },
      { family: "dedupe", count: 3, exact: true },
      { family: "cache-stats", count: 1, exact: true },
      { family: "session", count: 0, exact: true },
    ]);
  });

  it("stops at maxPages and says the count is a lower bound", async () => {
    // COUNT 1 over a shared test database: one page cannot cover it.
    const [lock] = await countKeysByFamily(kit.redis!, kit.keys, { families: ["lock"], maxPages: 1, pageSize: 1, databaseKeys: 10_000 });
    expect(lock!.exact).toBe(false);
    expect(lock!.count).toBeLessThanOrEqual(25);
    expect(lock!.estimate).toBeDefined();
  });

  it("walks with SCAN, never KEYS", async () => {
    const keysCalls = async () => {
      const stats = parseRedisInfo(String(await redis.exec<string>(["INFO", "commandstats"])));
      const line = stats["commandstats"]?.["cmdstat_keys"];
      return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
    };
    const scansBefore = summarizeRedisInfo(parseRedisInfo(String(await redis.exec<string>(["INFO"])))).totalCommandsProcessed!;
    const before = await keysCalls();
    await countKeysByFamily(kit.redis!, kit.keys);
    expect(await keysCalls()).toBe(before);
    const after = summarizeRedisInfo(parseRedisInfo(String(await redis.exec<string>(["INFO"])))).totalCommandsProcessed!;
    expect(after).toBeGreaterThan(scansBefore);
  });

  it("scanKeys returns the matching keys and whether the walk completed", async () => {
    // The test database is shared with every other test file running at the same time, and SCAN visits
    // ~COUNT hash buckets per page whatever matches: a budget of 50 × 100 fell short once it held
    // over 5,000 keys (a red CI). This budget covers millions; the page limit has its own test above.
    const walk = await scanKeys(kit.redis!, kit.keys.scanPattern("dedupe"), { maxPages: 10_000, pageSize: 1_000 });
    expect(walk.complete).toBe(true);
    expect(walk.keys.sort()).toEqual([0, 1, 2].map((i) => kit.keys.dedupe("permits", `p${i}`)).sort());
  });
});
