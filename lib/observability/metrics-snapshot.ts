/**
 * One metrics snapshot: Redis INFO, PING latency, key counts by family, and every feature's shared
 * counters. Every part is read in parallel (key counts pipelined per SCAN round), each under its
 * own guard() with a budget, so a slow or broken part is reported in `degraded` and never holds up or
 * fails the rest.
 */
import type { Kit, KitMode } from "../kit";
import { RedisCommandError } from "../errors";
import { guard } from "../resilience";
import { countKeysByFamily, type FamilyKeyCount, type KeyCountOptions } from "./key-counts";
import { parseRedisInfo, summarizeRedisInfo, type RedisInfoSummary } from "./redis-info";
import type { QueueSource } from "./queue-stats";
import {
  defaultStatsReaders,
  describeDegraded,
  type CacheStats,
  type LockStats,
  type QueueStats,
  type RateLimitStats,
  type Reading,
  type StatsReaders,
} from "./feature-stats";

export interface MetricsSnapshot {
  /** ISO 8601 time the snapshot was taken. */
  time: string;
  mode: KitMode;
  redis: {
    /** PING answered within the budget. */
    reachable: boolean;
    /** PING round trip through the REST endpoint; `null` when it did not answer. */
    latencyMs: number | null;
    info: RedisInfoSummary | null;
  };
  keys: { families: FamilyKeyCount[] } | null;
  rateLimit: RateLimitStats | null;
  cache: CacheStats | null;
  lock: LockStats | null;
  queues: QueueStats[] | null;
  /**
   * Parts, or figures of a part, that could not be read, with why: `["info: timeout"]`,
   * `["queues: emails: timeout"]`. Their figures are left out (null), never 0. Empty when all answered.
   */
  degraded: string[];
}

export interface CollectMetricsOptions {
  /** Budget of each part. @default 1500 */
  timeoutMs?: number;
  /** `false` skips key counting (the costliest part). @default {} (every family, bounded) */
  keyCounts?: false | KeyCountOptions;
  /** Override one feature's reader (tests, or a feature's own reader before it is wired in). */
  readers?: Partial<StatsReaders>;
  /**
   * The app's queues (lib/queue `createQueue` results): the snapshot reads exactly these. Without
   * them queues are discovered by a bounded SCAN, which a large keyspace can cut short (then listed
   * in `degraded`).
   */
  queues?: readonly QueueSource[];
}

type Part<T> = { value: T | null; degraded: string[] };

/** Reads everything once; never throws for a Redis failure (it lands in `degraded`). */
export async function collectMetrics(kit: Kit, options: CollectMetricsOptions = {}): Promise<MetricsSnapshot> {
  const { timeoutMs = 1500, keyCounts = {} } = options;
  const readers: StatsReaders = { ...defaultStatsReaders, ...options.readers };
  const time = new Date(kit.clock.now()).toISOString();
  const redis = kit.redis;
  if (!redis) {
    return {
      time,
      mode: kit.mode,
      redis: { reachable: false, latencyMs: null, info: null },
      keys: null,
      rateLimit: null,
      cache: null,
      lock: null,
      queues: null,
      degraded: ["redis: not configured (memory mode, per-instance numbers only)"],
    };
  }
  // A reader that cannot read a figure says so in its Reading; one that fails outright is caught here.
  // `selfGuarded`: the reader runs its Redis calls under its own guards with the kit's breaker and
  // swallows their failures into `unread` (getCacheStats, the app queues' stats()). Its return says
  // nothing about Redis, so it must not reach the breaker: as a success it would reset the failure
  // count and close a circuit that opened during this very scrape, with Redis still down.
  const part = async <T>(name: string, read: () => Promise<Reading<T>>, selfGuarded = false): Promise<Part<T>> => {
    let result: Awaited<ReturnType<typeof guard<Reading<T> | null>>>;
    try {
      result = await guard(read, {
        name: `metrics.${name}`,
        timeoutMs,
        failPolicy: "open",
        fallback: (): Reading<T> | null => null,
        breaker: selfGuarded ? false : kit.breaker,
        clock: kit.clock,
      });
    } catch (err) {
      // An error reply (a key of the wrong type, say) is a bug the guard rethrows on request paths;
      // here it is one unreadable part of a scrape, not a 500 for the whole endpoint on every scrape.
      if (!(err instanceof RedisCommandError)) throw err;
      console.warn(`[edge-kit] metrics: ${name} unreadable:`, err.message);
      return { value: null, degraded: [`${name}: Redis error reply (${err.message.slice(0, 200)})`] };
    }
    if (result.degraded) return { value: null, degraded: [`${name}: ${describeDegraded(result.degraded)}`] };
    const reading = result.value ?? { value: null, unread: [] }; // null is only ever the fallback's
    return { value: reading.value, degraded: reading.unread.map((u) => `${name}: ${u}`) };
  };
  const whole = <T>(read: () => Promise<T>) => async (): Promise<Reading<T>> => ({ value: await read(), unread: [] });

  const started = kit.clock.now();
  const [ping, info, keys, rateLimit, cache, lock, queues] = await Promise.all([
    part(
      "ping",
      whole(async () => {
        await redis.ping();
        return kit.clock.now() - started;
      }),
    ),
    part("info", whole(async () => summarizeRedisInfo(parseRedisInfo(String(await redis.exec<string>(["INFO"])))))),
    keyCounts === false
      ? Promise.resolve<Part<{ families: FamilyKeyCount[] }>>({ value: null, degraded: [] })
      : part(
          "keys",
          whole(async () => {
            // The database size lets an unfinished walk report an extrapolated estimate besides its lower bound.
            const databaseKeys = keyCounts.databaseKeys ?? (await redis.dbsize());
            return { families: await countKeysByFamily(redis, kit.keys, { ...keyCounts, databaseKeys }) };
          }),
        ),
    part("rateLimit", whole(() => readers.rateLimit(kit))),
    part("cache", () => readers.cache(kit), options.readers?.cache === undefined),
    part("lock", whole(() => readers.lock(kit))),
    // Discovery (no `queues`) reads the streams directly, so its failures do count.
    part("queues", () => readers.queues(kit, options.queues), options.readers?.queues === undefined && options.queues !== undefined),
  ]);
  const parts = [ping, info, keys, rateLimit, cache, lock, queues];
  return {
    time,
    mode: kit.mode,
    redis: { reachable: ping.value !== null, latencyMs: ping.value, info: info.value },
    keys: keys.value,
    rateLimit: rateLimit.value,
    cache: cache.value,
    lock: lock.value,
    queues: queues.value,
    degraded: parts.flatMap((p) => p.degraded),
  };
}
