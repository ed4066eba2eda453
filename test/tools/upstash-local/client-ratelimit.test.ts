/**
 * Every single-region @upstash/ratelimit 2.2.0 algorithm end to end against upstash-local: exact allow/deny
 * counts, `rate` costs, getRemaining, resetUsedTokens, blockUntilReady. All their scripts carry the
 * `#!lua flags=allow-key-locking` shebang and run EVALSHA -> NOSCRIPT -> EVAL through /pipeline.
 * Windows are 1 h long (epoch-aligned) so a test never straddles a window boundary in practice.
 */
import { describe, expect, it } from "vitest";
import { Ratelimit } from "@upstash/ratelimit";
import { testRedis, uniquePrefix } from "../../setup/redis";

const redis = testRedis();
const HOUR = 3_600_000;
let counter = 0;
/** A fresh ratelimit prefix per test: limiter state never leaks between tests. */
const freshPrefix = () => `${uniquePrefix("rl")}${counter++}`;
const windowEnd = (now: number, windowMs = HOUR) => (Math.floor(now / windowMs) + 1) * windowMs;

type Limiter = ConstructorParameters<typeof Ratelimit>[0]["limiter"];
function limiter(algorithm: Limiter, extra: Partial<ConstructorParameters<typeof Ratelimit>[0]> = {}) {
  return new Ratelimit({ redis, limiter: algorithm, prefix: freshPrefix(), ephemeralCache: false, ...extra });
}

async function sequential(rl: Ratelimit, id: string, calls: number, rate?: number) {
  const results = [];
  for (let i = 0; i < calls; i++) {
    const res = await rl.limit(id, rate === undefined ? undefined : { rate });
    await res.pending;
    results.push(res);
  }
  return results;
}

describe("Ratelimit.fixedWindow", () => {
  it("allows exactly 5 of limit 5, then denies with remaining 0 and the window's reset", async () => {
    const rl = limiter(Ratelimit.fixedWindow(5, "1 h"));
    const t0 = Date.now();
    const results = await sequential(rl, "user", 6);
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    for (const r of results) {
      expect(r.limit).toBe(5);
      expect(r.reset).toBe(windowEnd(t0));
      expect(r.reason).toBeUndefined();
    }
  });

  it("is exact under 20 concurrent calls: 5 allowed, 15 denied", async () => {
    const rl = limiter(Ratelimit.fixedWindow(5, "1 h"));
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.limit("burst")));
    expect(results.filter((r) => r.success)).toHaveLength(5);
    expect(results.filter((r) => !r.success)).toHaveLength(15);
    // every allowed call saw a distinct counter value: INCRBY ran atomically, once per call
    expect(results.filter((r) => r.success).map((r) => r.remaining).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("limit(id, { rate: 3 }) costs three tokens per call", async () => {
    const rl = limiter(Ratelimit.fixedWindow(10, "1 h"));
    const results = await sequential(rl, "heavy", 4, 3);
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([7, 4, 1, 0]);
  });

  it("getRemaining reports the tokens left without consuming any", async () => {
    const rl = limiter(Ratelimit.fixedWindow(5, "1 h"));
    expect(await rl.getRemaining("peek")).toEqual({ remaining: 5, limit: 5, reset: windowEnd(Date.now()) });
    await sequential(rl, "peek", 2);
    expect(await rl.getRemaining("peek")).toEqual({ remaining: 3, limit: 5, reset: windowEnd(Date.now()) });
    expect(await rl.getRemaining("peek")).toMatchObject({ remaining: 3 });
  });

  it("resetUsedTokens gives the identifier a full window again", async () => {
    const rl = limiter(Ratelimit.fixedWindow(3, "1 h"));
    const used = await sequential(rl, "reset-me", 4);
    expect(used.at(-1)?.success).toBe(false);
    await rl.resetUsedTokens("reset-me");
    expect((await rl.getRemaining("reset-me")).remaining).toBe(3);
    const after = await rl.limit("reset-me");
    expect(after).toMatchObject({ success: true, remaining: 2 });
  });

  it("blockUntilReady waits for the next window and then succeeds", async () => {
    const rl = limiter(Ratelimit.fixedWindow(1, "1 s"));
    const first = await rl.limit("waiter");
    expect(first.success).toBe(true);
    const res = await rl.blockUntilReady("waiter", 3_000);
    expect(res.success).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(first.reset);
  });

  it("blockUntilReady gives up (success false) when the deadline comes first", async () => {
    const rl = limiter(Ratelimit.fixedWindow(1, "1 h"));
    await rl.limit("impatient");
    const started = Date.now();
    const res = await rl.blockUntilReady("impatient", 300);
    expect(res.success).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("Ratelimit.slidingWindow", () => {
  it("allows exactly 5 of limit 5 for a fresh identifier, then denies", async () => {
    const rl = limiter(Ratelimit.slidingWindow(5, "1 h"));
    const t0 = Date.now();
    const results = await sequential(rl, "user", 7);
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    for (const r of results) {
      expect(r.limit).toBe(5);
      expect(r.reset).toBe(windowEnd(t0));
    }
  });

  it("is exact under 20 concurrent calls: 5 allowed", async () => {
    const rl = limiter(Ratelimit.slidingWindow(5, "1 h"));
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.limit("burst")));
    expect(results.filter((r) => r.success)).toHaveLength(5);
  });

  it("limit(id, { rate: 4 }) costs four tokens per call", async () => {
    const rl = limiter(Ratelimit.slidingWindow(10, "1 h"));
    const results = await sequential(rl, "heavy", 3, 4);
    expect(results.map((r) => r.success)).toEqual([true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([6, 2, 0]);
  });

  it("getRemaining and resetUsedTokens", async () => {
    const rl = limiter(Ratelimit.slidingWindow(4, "1 h"));
    await sequential(rl, "peek", 3);
    expect(await rl.getRemaining("peek")).toEqual({ remaining: 1, limit: 4, reset: windowEnd(Date.now()) });
    await rl.resetUsedTokens("peek");
    expect((await rl.getRemaining("peek")).remaining).toBe(4);
  });
});

describe("Ratelimit.tokenBucket", () => {
  it("spends a full bucket of 5, then denies until the next refill", async () => {
    const rl = limiter(Ratelimit.tokenBucket(1, "1 h", 5));
    const t0 = Date.now();
    const results = await sequential(rl, "user", 6);
    const t1 = Date.now();
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    for (const r of results) {
      expect(r.limit).toBe(5);
      // reset = time of the first request (the bucket's refilledAt) + interval
      expect(r.reset).toBeGreaterThanOrEqual(t0 + HOUR);
      expect(r.reset).toBeLessThanOrEqual(t1 + HOUR);
    }
    expect(new Set(results.map((r) => r.reset)).size).toBe(1);
  });

  it("is exact under 20 concurrent calls: 5 allowed", async () => {
    const rl = limiter(Ratelimit.tokenBucket(1, "1 h", 5));
    const results = await Promise.all(Array.from({ length: 20 }, () => rl.limit("burst")));
    expect(results.filter((r) => r.success)).toHaveLength(5);
  });

  it("a denied { rate } request does not consume the tokens that are left", async () => {
    const rl = limiter(Ratelimit.tokenBucket(1, "1 h", 10));
    const heavy = await sequential(rl, "heavy", 4, 3);
    expect(heavy.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(heavy.map((r) => r.remaining)).toEqual([7, 4, 1, 0]);
    const light = await rl.limit("heavy");
    expect(light).toMatchObject({ success: true, remaining: 0 });
  });

  it("getRemaining reports a fresh bucket as full and a used one exactly", async () => {
    const rl = limiter(Ratelimit.tokenBucket(1, "1 h", 5));
    const fresh = await rl.getRemaining("peek");
    expect(fresh.remaining).toBe(5);
    expect(fresh.limit).toBe(5);
    const used = await sequential(rl, "peek", 2);
    const after = await rl.getRemaining("peek");
    expect(after).toEqual({ remaining: 3, limit: 5, reset: used[0]!.reset });
    await rl.resetUsedTokens("peek");
    expect((await rl.getRemaining("peek")).remaining).toBe(5);
  });
});

describe("Ratelimit.cachedFixedWindow (needs the ephemeral cache)", () => {
  it("allows exactly 5 of limit 5; the denial is decided from the cache and never written to Redis", async () => {
    const prefix = freshPrefix();
    const rl = new Ratelimit({ redis, prefix, limiter: Ratelimit.cachedFixedWindow(5, "1 h") });
    const t0 = Date.now();
    const results = await sequential(rl, "user", 6);
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    // 2.2.0 reports tokens - used without clamping, hence -1 on the denial
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, -1]);
    expect(results.every((r) => r.reset === windowEnd(t0))).toBe(true);
    expect(await redis.get(`${prefix}:user:${Math.floor(t0 / HOUR)}`)).toBe(5);
  });

  it("a second instance (another isolate) sees the count in Redis and denies", async () => {
    const prefix = freshPrefix();
    const first = new Ratelimit({ redis, prefix, limiter: Ratelimit.cachedFixedWindow(3, "1 h") });
    await sequential(first, "shared", 3);
    const second = new Ratelimit({ redis, prefix, limiter: Ratelimit.cachedFixedWindow(3, "1 h") });
    const res = await second.limit("shared");
    expect(res).toMatchObject({ success: false, remaining: -1 });
  });

  it("getRemaining reads the count from Redis for an instance that has no cached value", async () => {
    const prefix = freshPrefix();
    const writer = new Ratelimit({ redis, prefix, limiter: Ratelimit.cachedFixedWindow(5, "1 h") });
    await sequential(writer, "peek", 2);
    const reader = new Ratelimit({ redis, prefix, limiter: Ratelimit.cachedFixedWindow(5, "1 h") });
    expect(await reader.getRemaining("peek")).toEqual({ remaining: 3, limit: 5, reset: windowEnd(Date.now()) });
  });
});
