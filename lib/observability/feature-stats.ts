/**
 * Where the metrics read each feature's numbers. Every reader is one entry of `defaultStatsReaders`,
 * so a feature that ships its own reader (lib/cache `getCacheStats`, lib/queue `Queue.stats`)
 * replaces one line here. Until then the numbers come from the feature's shared counter hash
 * (`recordCounts` / `readCounts`), so every instance reports the same values (runtime-facts §12).
 */
import type { Kit } from "../kit";
import type { DegradedReason } from "../resilience";
import { readCounts } from "./counters";
import { getCacheStats, type CacheStats as FeatureCacheStats } from "../cache";
import { readQueueStats, type QueueSource } from "./queue-stats";

export type Counts = Record<string, number>;

/**
 * What a reader could read, and what it could not: each `unread` entry lands in the snapshot's
 * `degraded` (`"cache: timeout"`). A figure that could not be read is left out (null), never 0: a
 * counter that drops to 0 is a counter reset to Prometheus.
 */
export interface Reading<T> {
  /** `null` when nothing could be read. */
  value: T | null;
  unread: string[];
}

export interface RateLimitStats {
  allowed: number;
  /** Refused requests: `limited` + `blocked` (deny list, penalty) + `unavailable` (fail-closed outage). */
  denied: number;
  /** Decisions made without Redis's answer (fail open / local / no Redis). */
  degraded: number;
  /** Every raw counter field (`denied.cache`, `degraded.timeout`, …). */
  counts: Counts;
}

export interface CacheStats {
  /** Fresh hits, all instances; `null` when the shared counters could not be read. */
  hits: number | null;
  misses: number | null;
  /** Stale hits served while a refresh ran (counted as hits in the rate); `null` when unknown. */
  stale: number | null;
  /** (hits + stale) / lookups in percent; `null` before the first lookup, or when unknown. */
  hitRatePercent: number | null;
  /** `memory` while this instance answers from its in-memory fallback. */
  backend: "redis" | "memory";
  /** Entries in this instance's in-memory cache; `null` when the reader does not know. */
  memoryCacheSize: number | null;
}

export interface LockStats {
  /** Acquisitions refused because another owner held the lock. */
  contended: number;
  /** Total time acquisitions spent waiting for a held lock, all instances (lib/lock's `waitMs` counter). */
  waitMs: number;
  /** Every counted event (`acquired`, `contended`, `released`, …); `waitMs` is a duration, so not here. */
  counts: Counts;
}

export interface QueueStats {
  name: string;
  /** Entries in the stream (waiting, or delivered and not yet acked). */
  length: number;
  /** Delivered to a consumer, not yet acked (XPENDING count of the consumer group). */
  pending: number | null;
  /** Entries not yet delivered to the group (XINFO GROUPS `lag`, Redis ≥ 7). */
  lag: number | null;
  /** Jobs waiting for their retry time. */
  delayed: number;
  deadLetters: number;
  /** Throughput counters (`enqueued`, `completed`, `failed`, `dead`, …). */
  counts: Counts;
}

/** One reader per feature; a plain figure throws on Redis failure (the snapshot guards every call). */
export interface StatsReaders {
  rateLimit(kit: Kit): Promise<RateLimitStats>;
  cache(kit: Kit): Promise<Reading<CacheStats>>;
  lock(kit: Kit): Promise<LockStats>;
  /** `queues`: the app's own queues (CollectMetricsOptions.queues); absent, they are discovered by SCAN. */
  queues(kit: Kit, queues?: readonly QueueSource[]): Promise<Reading<QueueStats[]>>;
}

export const defaultStatsReaders: StatsReaders = {
  // PLUG: lib/ratelimit's own reader, when it exists.
  rateLimit: async (kit) => rateLimitFromCounts(await readCounts(kit, "ratelimit")),
  cache: async (kit) => fromCacheFeature(await getCacheStats(kit)),
  // PLUG: lib/lock's contention reader, when it exists.
  lock: async (kit) => lockFromCounts(await readCounts(kit, "lock")),
  queues: (kit, queues) => readQueueStats(kit, queues),
};

/** How a degraded reason reads in the snapshot's `degraded` list. */
export function describeDegraded(reason: DegradedReason | "no-redis"): string {
  if (reason === "circuit-open") return "skipped, circuit breaker open";
  return reason === "no-redis" ? "no Redis configured" : reason;
}

export function rateLimitFromCounts(counts: Counts): RateLimitStats {
  const n = (field: string) => counts[field] ?? 0;
  return {
    allowed: n("allowed"),
    denied: n("denied") + n("limited") + n("blocked") + n("unavailable"),
    degraded: n("degraded"),
    counts,
  };
}

/**
 * lib/cache's own stats (its `{prefix}:cache-stats` hash, written inside each read) in this shape.
 * When its HMGET degraded (timeout, open circuit) the counters are unknown: left out, and named.
 */
export function fromCacheFeature(stats: FeatureCacheStats): Reading<CacheStats> {
  return {
    value: {
      hits: stats.hits,
      misses: stats.misses,
      stale: stats.stale,
      hitRatePercent: stats.hitRatePercent,
      backend: stats.backend,
      memoryCacheSize: stats.memoryEntries,
    },
    unread: stats.countersUnread ? [describeDegraded(stats.countersUnread)] : [],
  };
}

export function lockFromCounts(counts: Counts): LockStats {
  // waitMs sums milliseconds: summed with event counts it would make `events_total` meaningless.
  const { waitMs = 0, ...events } = counts;
  const contended = events["contended"] ?? events["contention"] ?? events["busy"] ?? events["not-acquired"] ?? 0;
  return { contended, waitMs, counts: events };
}
