import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectMetrics, recordCounts } from "@/lib/observability";
import { createQueue, defineJobs } from "@/lib/queue";
import { createTestKit } from "../../setup/kit";
import { testRedis } from "../../setup/redis";
import { startHungEndpoint, type HungEndpoint } from "./hung-endpoint";

describe("collectMetrics", () => {
  const kit = createTestKit();
  const redis = testRedis();
  // The app's queues, as the metrics endpoint is given them (app/app-queues.ts).
  const queues = [createQueue(kit, { name: "emails", jobs: defineJobs({}) })];

  beforeAll(async () => {
    await Promise.all([
      recordCounts(kit, "ratelimit", { allowed: 7, limited: 2, blocked: 1, degraded: 1, "degraded.timeout": 1 }),
      recordCounts(kit, "lock", { acquired: 3, contended: 2, waitMs: 40 }),
      redis.hset(kit.keys.cacheStats(), { hit: 3, miss: 1, stale: 1 }),
    ]);
    // A queue the way lib/queue lays it out: stream + consumer group "workers", delayed set, dead letters.
    const stream = kit.keys.queueStream("emails");
    for (let i = 0; i < 4; i++) await redis.xadd(stream, "*", { job: `j${i}` });
    await redis.xgroup(stream, { type: "CREATE", group: "workers", id: "0" });
    await redis.xreadgroup("workers", "c1", stream, ">", { count: 1 });
    await redis.zadd(kit.keys.queueDelayed("emails"), { score: Date.now() + 60_000, member: "later" });
    await redis.xadd(kit.keys.queueDeadLetter("emails"), "*", { job: "dead" });
    await recordCounts(kit, "queue.emails", { enqueued: 4, dead: 1 });
  });

  it("a part Redis answers with an error reply (a key of the wrong type) is reported unreadable; the others still read", async () => {
    const broken = createTestKit();
    await redis.set(broken.keys.counter("lock"), "not a hash");
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      const s = await collectMetrics(broken, { queues: [], keyCounts: false });
      expect(s.lock).toBeNull();
      expect(s.degraded).toEqual([expect.stringMatching(/^lock: Redis error reply \(.*WRONGTYPE/)]);
      expect(s.redis.reachable).toBe(true);
      expect(s.rateLimit).not.toBeNull();
    } finally {
      console.warn = warn;
      await redis.del(broken.keys.counter("lock"));
    }
  });

  it("reads INFO, latency, key counts and every feature's shared counters in one snapshot", async () => {
    const s = await collectMetrics(kit, { queues });
    expect(s.degraded).toEqual([]);
    expect(s.redis.reachable).toBe(true);
    expect(s.redis.latencyMs).toBeGreaterThanOrEqual(0);
    expect(s.redis.info!.connectedClients).toBeGreaterThan(0);
    expect(s.rateLimit).toMatchObject({ allowed: 7, denied: 3, degraded: 1 });
    expect(s.rateLimit!.counts["degraded.timeout"]).toBe(1);
    // waitMs is a duration, kept apart from the event counts (exported as edge_kit_lock_wait_seconds_total).
    expect(s.lock).toEqual({ contended: 2, waitMs: 40, counts: { acquired: 3, contended: 2 } });
    expect(s.cache).toMatchObject({ hits: 3, stale: 1, misses: 1, hitRatePercent: 80, backend: "redis" });
    expect(s.queues).toEqual([
      { name: "emails", length: 4, pending: 1, lag: 3, delayed: 1, deadLetters: 1, counts: { enqueued: 4, dead: 1 } },
    ]);
    const families = Object.fromEntries(s.keys!.families.map((f) => [f.family, f.count]));
    expect(families).toMatchObject({ queue: 1, "queue-dead": 1, "queue-delayed": 1, counter: 3, "cache-stats": 1 });
  });

  it("is the same from a second instance (numbers live in Redis, not in the process)", async () => {
    const other = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
    const otherQueues = [createQueue(other, { name: "emails", jobs: defineJobs({}) })];
    const [a, b] = await Promise.all([
      collectMetrics(kit, { keyCounts: false, queues }),
      collectMetrics(other, { keyCounts: false, queues: otherQueues }),
    ]);
    expect(b.rateLimit).toEqual(a.rateLimit);
    expect(b.queues).toEqual(a.queues);
  });

  it("reports memory mode plainly instead of zeros", async () => {
    const s = await collectMetrics(createTestKit({ memory: true }));
    expect(s.mode).toBe("memory");
    expect(s.rateLimit).toBeNull();
    expect(s.degraded[0]).toMatch(/not configured/);
  });

  describe("when the REST endpoint refuses connections", () => {
    let closedUrl: string;
    beforeAll(async () => {
      // A port that was just free: nothing listens there, every request fails with `fetch failed`.
      const probe = await startHungEndpoint();
      closedUrl = probe.url;
      await probe.close();
    });

    it("leaves the circuit breaker open: readers that swallow their own failures are not a success", async () => {
      const down = createTestKit({ url: closedUrl, token: "x", env: { REDIS_BREAKER_THRESHOLD: "1", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
      const downQueues = [createQueue(down, { name: "emails", jobs: defineJobs({}) })];
      const s = await collectMetrics(down, { keyCounts: false, queues: downQueues });
      expect(s.redis.reachable).toBe(false);
      expect(s.degraded).toContain("ping: redis-error");
      // Every part failed; the cache's and the queues' readers turned theirs into `unread` and returned.
      expect(down.breaker!.state()).toBe("open");
    });

    it("does not reset the count of consecutive failures either", async () => {
      const down = createTestKit({ url: closedUrl, token: "x", env: { REDIS_BREAKER_THRESHOLD: "2", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
      // An app without queues: the queues part makes no Redis call at all.
      await collectMetrics(down, { keyCounts: false, queues: [] });
      await collectMetrics(down, { keyCounts: false, queues: [] });
      expect(down.breaker!.state()).toBe("open");
    });
  });

  describe("when the REST endpoint hangs", () => {
    let hung: HungEndpoint;
    beforeAll(async () => {
      hung = await startHungEndpoint();
    });
    afterAll(() => hung.close());

    it("answers within its budget with every part listed as degraded", async () => {
      const slow = createTestKit({ url: hung.url, token: "x", env: { REDIS_BREAKER_THRESHOLD: "0" } });
      const started = Date.now();
      const s = await collectMetrics(slow, { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(hung.requests()).toBeGreaterThan(0);
      expect(s.redis.reachable).toBe(false);
      const parts = s.degraded.map((d) => d.split(":")[0]);
      expect(parts).toEqual(expect.arrayContaining(["ping", "info", "keys", "rateLimit", "lock", "queues"]));
      // lib/cache's reader has its own budget and answers "memory" itself; either way no Redis numbers.
      expect(s.cache === null || s.cache.backend === "memory").toBe(true);
      expect(s.degraded[0]).toBe("ping: timeout");
    });
  });
});
