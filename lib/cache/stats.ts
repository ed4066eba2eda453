/**
 * Cache statistics shared by every instance: CACHE_READ increments `hit` / `stale` / `miss` in one
 * Redis hash (`{prefix}:cache-stats`) inside the read itself, so counting costs no extra round trip and
 * survives serverless instances coming and going. Reads answered by an instance's memory fallback
 * cannot reach Redis and are reported separately, per instance.
 */
import type { Kit } from "../kit";
import { guard } from "../resilience";
import type { CacheBackendName, CacheDegradedReason } from "./backend";

export interface CacheStats {
  /** Fresh hits, all instances. */
  hits: number;
  /** Misses (absent, expired, invalidated), all instances; polls by waiting callers are not counted. */
  misses: number;
  /** Stale hits served while a refresh ran, all instances. */
  stale: number;
  /** (hits + stale) / all reads, 0–100 with one decimal; null before the first read. */
  hitRatePercent: number | null;
  /** `memory` while this instance answers from its fallback (Redis down or not configured). */
  backend: CacheBackendName;
  /** Why, when `backend` is `memory`. */
  degraded?: CacheDegradedReason;
  /** Entries in this instance's memory fallback. */
  memoryEntries: number;
  /** Reads this instance served from memory (not shared: Redis was unreachable). */
  memoryReads: { hits: number; stale: number; misses: number };
}

/** Shared counters (one HMGET, guarded) plus this instance's fallback state. Never throws on Redis failure. */
export async function getCacheStats(kit: Kit, options: { timeoutMs?: number } = {}): Promise<CacheStats> {
  const local = kit.cache.localState();
  let counts = [0, 0, 0];
  let degraded: CacheDegradedReason | undefined = local.degraded;
  const redis = kit.redis;
  if (!redis) degraded = "no-redis";
  else {
    const result = await guard(async () => redis.hmget<Record<string, number | string | null>>(kit.keys.cacheStats(), "hit", "miss", "stale"), {
      name: "cache.stats",
      timeoutMs: options.timeoutMs ?? 300,
      breaker: kit.breaker,
      failPolicy: "open",
      fallback: () => null,
    });
    if (result.degraded) degraded = result.degraded;
    else counts = ["hit", "miss", "stale"].map((f) => Number(result.value?.[f] ?? 0));
  }
  const [hits = 0, misses = 0, stale = 0] = counts;
  const reads = hits + misses + stale;
  return {
    hits,
    misses,
    stale,
    hitRatePercent: reads === 0 ? null : Math.round(((hits + stale) / reads) * 1000) / 10,
    backend: degraded ? "memory" : "redis",
    ...(degraded ? { degraded } : {}),
    memoryEntries: local.memoryEntries,
    memoryReads: local.memoryReads,
  };
}
