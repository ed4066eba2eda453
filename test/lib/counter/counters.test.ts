/** lib/counter against the real server: totals, per-minute buckets with TTL, fail-open increments. */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "@/lib/clock";
import { createCounters } from "@/lib/counter";
import { DEFAULT_TTLS } from "@/lib/keys";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

let now = 1_700_000_000_000;
const clock: Clock = { now: () => now };
const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" }, deps: { clock } });
const counters = createCounters(kit);
const raw = testRedis();
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("counters", () => {
  it("keeps an all-time total and per-minute buckets that expire on their own", async () => {
    expect(await counters.read("permits.accepted")).toBe(0);
    expect(await counters.increment("permits.accepted", 3)).toEqual({ total: 3 });
    now += 60_000;
    await counters.increment("permits.accepted");
    await counters.increment("permits.accepted", 2);
    expect(await counters.read("permits.accepted")).toBe(6);
    const minutes = await counters.readMinutes("permits.accepted", 3);
    expect(minutes.map((m) => m.count)).toEqual([0, 3, 3]);
    expect(minutes[2]!.minute).toBe(Math.floor(now / 60_000));
    const ttl = await raw.ttl(kit.keys.counterMinute("permits.accepted", Math.floor(now / 60_000)));
    expect(ttl).toBeGreaterThan(DEFAULT_TTLS.counter.minuteBucketSeconds - 60);
    expect(await raw.ttl(kit.keys.counter("permits.accepted"))).toBe(-1);
    await expect(counters.readMinutes("permits.accepted", 121)).rejects.toThrow(/minutes must be/);
  });

  it("never fails a request on increment: Redis down → { total: null, degraded }", async () => {
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.error()));
    expect(await counters.increment("permits.accepted")).toEqual({ total: null, degraded: "redis-error" });
    await expect(counters.read("permits.accepted")).rejects.toMatchObject({ code: "E_REDIS_UNAVAILABLE" });
  });

  it("refuses names that would meet the kit's own counter hashes (queue.*, single-word features) instead of failing with WRONGTYPE", async () => {
    await kit.redis!.hincrby(kit.keys.counter("queue.default"), "enqueued", 1); // what a queue named "default" writes
    for (const name of ["queue.default", "lock", "ratelimit", "", "a..b", "permits.*"]) {
      await expect(counters.increment(name)).rejects.toThrow(RangeError);
      await expect(counters.read(name)).rejects.toThrow(RangeError);
      await expect(counters.readMinutes(name)).rejects.toThrow(RangeError);
    }
    expect(await raw.hgetall(kit.keys.counter("queue.default"))).toEqual({ enqueued: 1 }); // untouched
    expect(await counters.increment("queues.default.enqueued")).toEqual({ total: 1 });
  });
});
