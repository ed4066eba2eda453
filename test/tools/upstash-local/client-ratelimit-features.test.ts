/**
 * @upstash/ratelimit 2.2.0 features beyond the algorithms, end to end against upstash-local: the ephemeral
 * cache (no HTTP request for a cached denial), analytics, dynamic limits, the deny list, multi-region limiters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Analytics, IpDenyList, MultiRegionRatelimit, Ratelimit } from "@upstash/ratelimit";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { startPrivateUpstashLocal, type PrivateUpstashLocal } from "./private-upstash-local";

const redis = testRedis();
const HOUR = 3_600_000;
let counter = 0;
const freshPrefix = () => `${uniquePrefix("rlf")}${counter++}`;

describe("ephemeral cache", () => {
  // A private upstash-local: its request counter sees only this file's requests.
  let server: PrivateUpstashLocal;
  beforeAll(async () => {
    server = await startPrivateUpstashLocal();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("by default, a second denial comes from the cache (reason 'cacheBlock') without any HTTP request", async () => {
    const rl = new Ratelimit({ redis: server.client(), prefix: freshPrefix(), limiter: Ratelimit.fixedWindow(2, "1 h") });
    expect((await rl.limit("user")).success).toBe(true);
    expect((await rl.limit("user")).success).toBe(true);
    const firstDenial = await rl.limit("user");
    expect(firstDenial).toMatchObject({ success: false, remaining: 0 });
    expect(firstDenial.reason).toBeUndefined();

    const before = await server.httpRequests();
    const beforeOverHttp = await server.httpRequestsOverHttp();
    const cached = await rl.limit("user");
    await cached.pending;
    const after = await server.httpRequests();
    const afterOverHttp = await server.httpRequestsOverHttp();
    expect(cached).toMatchObject({ success: false, remaining: 0, limit: 2, reason: "cacheBlock", reset: firstDenial.reset });
    expect(after - before).toBe(0);
    expect(afterOverHttp - beforeOverHttp).toBe(0);
  });

  it("with ephemeralCache: false, every denial asks Redis", async () => {
    const rl = new Ratelimit({
      redis: server.client(),
      prefix: freshPrefix(),
      limiter: Ratelimit.fixedWindow(1, "1 h"),
      ephemeralCache: false,
    });
    await rl.limit("user");
    await rl.limit("user");
    const before = await server.httpRequests();
    const again = await rl.limit("user");
    const after = await server.httpRequests();
    expect(again.success).toBe(false);
    expect(again.reason).toBeUndefined();
    expect(after - before).toBeGreaterThanOrEqual(1);
  });
});

describe("analytics: true", () => {
  it("records one ZINCRBY per request in <prefix>:events:<hour bucket>; pending resolves", async () => {
    const prefix = freshPrefix();
    const rl = new Ratelimit({
      redis,
      prefix,
      limiter: Ratelimit.fixedWindow(2, "1 h"),
      ephemeralCache: false,
      analytics: true,
    });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const res = await rl.limit("visitor");
      await expect(res.pending).resolves.toBeDefined();
    }
    const eventsKey = `${prefix}:events:${Math.floor(t0 / HOUR) * HOUR}`;
    expect(await redis.type(eventsKey)).toBe("zset");
    // members are the JSON events (deserialized by the client), scores the counts
    expect(await redis.zrange(eventsKey, 0, -1, { withScores: true })).toEqual([
      { identifier: "visitor", success: false },
      1,
      { identifier: "visitor", success: true },
      2,
    ]);
  });

  it("the analytics read path (EVAL with ZUNION over hourly buckets) aggregates allowed and blocked", async () => {
    const prefix = freshPrefix();
    const rl = new Ratelimit({
      redis,
      prefix,
      limiter: Ratelimit.fixedWindow(1, "1 h"),
      ephemeralCache: false,
      analytics: true,
    });
    for (const id of ["a", "a", "a", "b"]) await (await rl.limit(id)).pending;
    const usage = await new Analytics({ redis, prefix }).getUsage(Date.now() - 24 * HOUR);
    expect(usage).toEqual({ a: { success: 1, blocked: 2 }, b: { success: 1, blocked: 0 } });
  });
});

describe("dynamic limits", () => {
  it("setDynamicLimit overrides the configured limit globally; false restores it", async () => {
    const prefix = freshPrefix();
    const rl = new Ratelimit({
      redis,
      prefix,
      limiter: Ratelimit.fixedWindow(10, "1 h"),
      ephemeralCache: false,
      dynamicLimits: true,
    });
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: null });
    await rl.setDynamicLimit({ limit: 2 });
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: 2 });
    expect(await redis.get(`${prefix}:dynamic:global`)).toBe(2);

    const limited = [await rl.limit("u"), await rl.limit("u"), await rl.limit("u")];
    expect(limited.map((r) => [r.success, r.limit, r.remaining])).toEqual([
      [true, 2, 1],
      [true, 2, 0],
      [false, 2, 0],
    ]);

    await rl.setDynamicLimit({ limit: false });
    expect(await rl.getDynamicLimit()).toEqual({ dynamicLimit: null });
    // fixedWindow counts denied calls too: 3 used so far, this is the 4th of 10
    expect(await rl.limit("u")).toMatchObject({ success: true, limit: 10, remaining: 6 });
  });

  it("applies to slidingWindow and tokenBucket as well", async () => {
    for (const algorithm of [Ratelimit.slidingWindow(10, "1 h"), Ratelimit.tokenBucket(1, "1 h", 10)]) {
      const rl = new Ratelimit({ redis, prefix: freshPrefix(), limiter: algorithm, ephemeralCache: false, dynamicLimits: true });
      await rl.setDynamicLimit({ limit: 1 });
      expect(await rl.limit("u")).toMatchObject({ success: true, limit: 1, remaining: 0 });
      expect(await rl.limit("u")).toMatchObject({ success: false, limit: 1 });
    }
  });

  it("refuses setDynamicLimit when dynamicLimits is not enabled", async () => {
    const rl = new Ratelimit({ redis, prefix: freshPrefix(), limiter: Ratelimit.fixedWindow(1, "1 h") });
    await expect(rl.setDynamicLimit({ limit: 5 })).rejects.toThrow(/dynamicLimits must be enabled/);
  });
});

describe("deny list (enableProtection)", () => {
  // The IP deny list itself is downloaded from raw.githubusercontent.com when its status key is missing, which
  // needs the internet. Disabling the IP list first (status "disabled", no TTL: what the Upstash console's switch
  // does) keeps the check offline; the user-managed `<prefix>:denyList:all` set is then still enforced.
  it("denies identifiers and IPs in <prefix>:denyList:all with reason 'denyList' and the denied value", async () => {
    const prefix = freshPrefix();
    const tag = Math.random().toString(36).slice(2, 8);
    const badUser = `bad-user-${tag}`;
    const badIp = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    expect(await IpDenyList.disableIpDenyList(redis, prefix)).toEqual([0, 0, "OK"]);
    await redis.sadd(`${prefix}:denyList:all`, badUser, badIp);

    const rl = new Ratelimit({
      redis,
      prefix,
      limiter: Ratelimit.fixedWindow(10, "1 h"),
      ephemeralCache: false,
      enableProtection: true,
    });
    const good = await rl.limit(`good-user-${tag}`);
    expect(good).toMatchObject({ success: true, remaining: 9 });
    expect(good.reason).toBeUndefined();

    const denied = await rl.limit(badUser);
    expect(denied).toMatchObject({ success: false, remaining: 0, reason: "denyList", deniedValue: badUser });

    const byIp = await rl.limit(`other-user-${tag}`, { ip: badIp });
    expect(byIp).toMatchObject({ success: false, reason: "denyList", deniedValue: badIp });
    await byIp.pending;

    expect(await redis.get(`${prefix}:ipDenyListStatus`)).toBe("disabled");
    expect(await redis.ttl(`${prefix}:ipDenyListStatus`)).toBe(-1);
  });
});

describe("MultiRegionRatelimit with two Redis clients on the same upstash-local", () => {
  it("fixedWindow: allows exactly 5 of limit 5, then denies; both 'regions' write the same request ids", async () => {
    const prefix = freshPrefix();
    const rl = new MultiRegionRatelimit({
      redis: [testRedis(), testRedis()],
      prefix,
      limiter: MultiRegionRatelimit.fixedWindow(5, "1 h"),
    });
    const t0 = Date.now();
    const results = [];
    for (let i = 0; i < 6; i++) {
      const res = await rl.limit("user");
      await res.pending;
      results.push(res);
    }
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false]);
    // 2.2.0 does not clamp the multi-region fixed window's remaining
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, -1]);
    const bucketKey = `${prefix}:user:${Math.floor(t0 / HOUR)}`;
    expect(await redis.hlen(bucketKey)).toBe(6);
    expect(await rl.getRemaining("user")).toMatchObject({ remaining: 0, limit: 5 });
  });

  it("slidingWindow: allows 5 of limit 5 in Redis, denies from the 6th call on", async () => {
    const prefix = freshPrefix();
    const rl = new MultiRegionRatelimit({
      redis: [testRedis(), testRedis()],
      prefix,
      limiter: MultiRegionRatelimit.slidingWindow(5, "1 h"),
    });
    const t0 = Date.now();
    const results = [];
    for (let i = 0; i < 8; i++) {
      const res = await rl.limit("user");
      await res.pending;
      results.push(res);
    }
    // Both "regions" run the script on the same keys, one after the other. The first run of call 5 admits it;
    // the second run already sees that request and says no. The library answers with whichever reply arrives
    // first, so call 5 may be reported either way; Redis itself holds exactly 5 admitted requests.
    expect(results.slice(0, 4).every((r) => r.success)).toBe(true);
    expect(results.slice(5).every((r) => !r.success)).toBe(true);
    const currentKey = `${prefix}:user:${Math.floor(t0 / HOUR)}`;
    expect(await redis.hlen(currentKey)).toBe(5);
  });
});
