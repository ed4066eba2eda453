/**
 * `createCounters(kit)`: named counters for the dashboard — an all-time total (`kit:counter:{name}`)
 * plus per-minute buckets (`kit:counter-minute:{name}:{epochMinute}`) that expire on their own
 * after DEFAULT_TTLS.counter.minuteBucketSeconds (2 h), so a "last hour" chart never needs cleanup.
 *
 * Names share the `counter` and `counter-minute` families with the kit's own counter hashes: the
 * per-feature ones (`lock`, `dedupe`, `ratelimit`…, single words) and the queues' (`queue.{name}`).
 * A name here must therefore be dotted and not start with `queue.` (e.g. `permits.accepted`); a
 * name that met one of those hashes would fail every increment with WRONGTYPE and break the
 * metrics that read the hash.
 */
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import type { CounterRedis } from "../redis";
import { guard, type DegradedReason, type EmitResilienceEvent, type GuardCommonOptions, kitGuardOptions } from "../resilience";

const MINUTE_MS = 60_000;
const MAX_MINUTES = DEFAULT_TTLS.counter.minuteBucketSeconds / 60;

export interface MinuteCount {
  /** `Math.floor(epochMs / 60_000)`. */
  minute: number;
  /** Start of that minute, epoch ms. */
  at: number;
  count: number;
}

export type IncrementResult = { total: number; degraded?: undefined } | { total: null; degraded: DegradedReason };

export interface Counters {
  /**
   * Adds `by` (default 1) to the total and to the current minute's bucket, in one round trip.
   * Fail-open: metrics never fail a request; a lost increment says `degraded`.
   */
  increment(name: string, by?: number): Promise<IncrementResult>;
  /** The all-time total (0 when never incremented). Fail-closed. */
  read(name: string): Promise<number>;
  /** The last `minutes` buckets (oldest first, the current minute last), zeros included. Max 120. Fail-closed. */
  readMinutes(name: string, minutes?: number): Promise<MinuteCount[]>;
}

/** Dotted (the kit's own feature hashes are single words), never `queue.…` (the queues' hashes). */
const COUNTER_NAME = /^(?!queue\.)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$/;

function checkName(name: string): void {
  if (typeof name !== "string" || name.length > 200 || !COUNTER_NAME.test(name)) {
    throw new RangeError(
      'counter names are dotted segments of A-Z a-z 0-9 _ - (e.g. "permits.accepted"), not starting with "queue.": ' +
        "single words and queue.* are the kit's own counter hashes",
    );
  }
}

export function createCounters(kit: Kit, options: { emit?: EmitResilienceEvent } = {}): Counters {
  const common = (name: string): GuardCommonOptions => kitGuardOptions(kit, name, options.emit);
  const redisOrThrow = (): CounterRedis => {
    if (!kit.redis) throw new RangeError("counters need Redis: memory mode has nothing shared to count in");
    return kit.redis;
  };

  return Object.freeze({
    async increment(name: string, by = 1): Promise<IncrementResult> {
      checkName(name);
      if (!Number.isSafeInteger(by)) throw new RangeError(`counter increment must be a safe integer, got ${by}`);
      const total = kit.keys.counter(name);
      const bucket = kit.keys.counterMinute(name, Math.floor(kit.clock.now() / MINUTE_MS));
      const redis = kit.redis;
      if (!redis) return { total: null, degraded: "redis-error" };
      const { value, degraded } = await guard(
        // Same tick → one auto-pipelined HTTP request for all three.
        async () => (await Promise.all([redis.incrby(total, by), redis.incrby(bucket, by), redis.expire(bucket, DEFAULT_TTLS.counter.minuteBucketSeconds)]))[0],
        { ...common("counter.increment"), failPolicy: "open", fallback: () => null },
      );
      return degraded ? { total: null, degraded } : { total: value as number };
    },
    async read(name: string) {
      checkName(name);
      const redis = redisOrThrow();
      const key = kit.keys.counter(name);
      const { value } = await guard(() => redis.get<number>(key), { ...common("counter.read"), failPolicy: "closed" });
      return Number(value ?? 0);
    },
    async readMinutes(name: string, minutes = 60) {
      checkName(name);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
        throw new RangeError(`minutes must be 1-${MAX_MINUTES} (buckets expire after ${MAX_MINUTES} min)`);
      }
      const redis = redisOrThrow();
      const now = Math.floor(kit.clock.now() / MINUTE_MS);
      const range = Array.from({ length: minutes }, (_, i) => now - minutes + 1 + i);
      const keys = range.map((m) => kit.keys.counterMinute(name, m));
      const { value } = await guard(() => redis.mget<(number | null)[]>(...keys), { ...common("counter.readMinutes"), failPolicy: "closed" });
      return range.map((minute, i) => ({ minute, at: minute * MINUTE_MS, count: Number(value[i] ?? 0) }));
    },
  });
}
