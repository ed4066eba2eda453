/**
 * Where the metrics read each feature's numbers. Every reader is one entry of `defaultStatsReaders`,
 * so a feature that ships its own reader (e.g. lib/cache `getCacheStats`) replaces one line here.
 * Until then the numbers come from the feature's shared counter hash (`recordCounts` / `readCounts`),
 * so every instance reports the same values (runtime-facts §12).
 */
import type { Kit } from "../kit";
import type { MetricsRedis } from "../redis";
import { readCounts } from "./counters";
import { getCacheStats, type CacheStats as FeatureCacheStats } from "../cache";
import { scanKeys } from "./key-counts";

export type Counts = Record<string, number>;

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
  /** Fresh hits, all instances. */
  hits: number;
  misses: number;
  /** Stale hits served while a refresh ran (counted as hits in the rate). */
  stale: number;
  /** (hits + stale) / lookups in percent; `null` before the first lookup. */
  hitRatePercent: number | null;
  /** `memory` while this instance answers from its in-memory fallback. */
  backend: "redis" | "memory";
  /** Entries in this instance's in-memory cache; `null` when the reader does not know. */
  memoryCacheSize: number | null;
}

export interface LockStats {
  /** Acquisitions refused because another owner held the lock. */
  contended: number;
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

/** One reader per feature; each throws on Redis failure (the snapshot guards every call). */
export interface StatsReaders {
  rateLimit(kit: Kit): Promise<RateLimitStats>;
  cache(kit: Kit): Promise<CacheStats>;
  lock(kit: Kit): Promise<LockStats>;
  queues(kit: Kit): Promise<QueueStats[]>;
}

export const defaultStatsReaders: StatsReaders = {
  // PLUG: lib/ratelimit's own reader, when it exists.
  rateLimit: async (kit) => rateLimitFromCounts(await readCounts(kit, "ratelimit")),
  cache: async (kit) => fromCacheFeature(await getCacheStats(kit)),
  // PLUG: lib/lock's contention reader, when it exists.
  lock: async (kit) => lockFromCounts(await readCounts(kit, "lock")),
  // PLUG: lib/queue's stats operation (depth/pending/lag/dead letters), when it exists.
  queues: (kit) => readQueueStats(kit),
};

export function rateLimitFromCounts(counts: Counts): RateLimitStats {
  const n = (field: string) => counts[field] ?? 0;
  return {
    allowed: n("allowed"),
    denied: n("denied") + n("limited") + n("blocked") + n("unavailable"),
    degraded: n("degraded"),
    counts,
  };
}

/** lib/cache's own stats (its `{prefix}:cache-stats` hash, written inside each read) in this shape. */
export function fromCacheFeature(stats: FeatureCacheStats): CacheStats {
  return {
    hits: stats.hits,
    misses: stats.misses,
    stale: stats.stale,
    hitRatePercent: stats.hitRatePercent,
    backend: stats.backend,
    memoryCacheSize: stats.memoryEntries,
  };
}

export function lockFromCounts(counts: Counts): LockStats {
  const contended = counts["contended"] ?? counts["contention"] ?? counts["busy"] ?? counts["not-acquired"] ?? 0;
  return { contended, counts };
}

/** How many queues a snapshot reports at most (discovered by a bounded SCAN of the queue family). */
const MAX_QUEUES = 20;

/**
 * Depth, pending, lag, delayed and dead letters of every queue stream found under the kit's prefix,
 * read directly from the streams (XLEN, XINFO GROUPS, ZCARD) until lib/queue exposes its own stats.
 */
export async function readQueueStats(kit: Kit): Promise<QueueStats[]> {
  const redis: MetricsRedis | null = kit.redis;
  if (!redis) return [];
  const familyPrefix = kit.keys.family("queue");
  const { keys: found } = await scanKeys(redis, kit.keys.scanPattern("queue"), { maxPages: 5, pageSize: 1000 });
  const names = [...new Set(found.map((key) => decodeURIComponent(key.slice(familyPrefix.length))))].sort().slice(0, MAX_QUEUES);
  return Promise.all(
    names.map(async (name): Promise<QueueStats> => {
      const stream = kit.keys.queueStream(name);
      const [length, groups, delayed, deadLetters, counts] = await Promise.all([
        redis.xlen(stream),
        redis.xinfo(stream, { type: "GROUPS" }),
        redis.zcard(kit.keys.queueDelayed(name)),
        redis.xlen(kit.keys.queueDeadLetter(name)),
        readCounts(kit, `queue.${name}`),
      ]);
      // The queue's consumers join one group ("workers"); report that one, else the first.
      const all = groups.map(pairsToRecord);
      const group = all.find((g) => g["name"] === "workers") ?? all[0];
      return {
        name,
        length,
        pending: group ? numberOrNull(group["pending"]) : null,
        lag: group ? numberOrNull(group["lag"]) : null,
        delayed,
        deadLetters,
        counts,
      };
    }),
  );
}

/** XINFO replies are flat `[field, value, field, value…]` arrays. */
function pairsToRecord(entry: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(entry)) return out;
  for (let i = 0; i + 1 < entry.length; i += 2) out[String(entry[i])] = entry[i + 1];
  return out;
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}
