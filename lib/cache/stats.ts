/**
 * Cache statistics shared by every instance: CACHE_READ increments `hit` / `stale` / `miss` in one
 * Redis hash (`{prefix}:cache-stats`) inside the read itself, so counting costs no extra round trip and
 * survives serverless instances coming and going. Reads answered by an instance's memory fallback
 * cannot reach Redis and are reported separately, per instance.
 */
import type { Kit } from "../kit";
import { guard } from "../resilience";
import type { CacheBackendName, CacheDegradedReason } from "./backend";

/**
 * `hits`, `misses` and `stale` are `null` when the shared counters could not be read (`countersUnread`
 * says why): an unknown counter is never reported as 0, which a scraper would take for a counter reset.
 */
export interface CacheStats {
  /** Fresh hits, all instances; `null` when unknown. */
  hits: number | null;
  /** Misses (absent, expired, invalidated), all instances; polls by waiting callers are not counted. `null` when unknown. */
  misses: number | null;
  /** Stale hits served while a refresh ran, all instances; `null` when unknown. */
  stale: number | null;
  /** (hits + stale) / all reads, 0–100 with one decimal; null before the first read, or when unknown. */
  hitRatePercent: number | null;
  /** Why the shared counters are unknown: the HMGET's degraded reason, or `no-redis`. Absent when read. */
  countersUnread?: CacheDegradedReason;
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
  let shared: { hits: number; misses: number; stale: number } | null = null;
  let degraded: CacheDegradedReason | undefined = local.degraded;
  let countersUnread: CacheDegradedReason | undefined;
  const redis = kit.redis;
  if (!redis) degraded = countersUnread = "no-redis";
  else {
    const result = await guard(async () => redis.hmget<Record<string, number | string | null>>(kit.keys.cacheStats(), "hit", "miss", "stale"), {
      name: "cache.stats",
      timeoutMs: options.timeoutMs ?? 300,
      breaker: kit.breaker,
      failPolicy: "open",
      fallback: () => null,
    });
    if (result.degraded) degraded = countersUnread = result.degraded;
    else {
      // The HMGET answered: a field it lacks was never incremented, so 0 is then the true count.
      const field = (name: string) => Number(result.value?.[name] ?? 0);
      shared = { hits: field("hit"), misses: field("miss"), stale: field("stale") };
    }
  }
  const reads = shared ? shared.hits + shared.misses + shared.stale : 0;
  return {
    hits: shared?.hits ?? null,
    misses: shared?.misses ?? null,
    stale: shared?.stale ?? null,
    hitRatePercent: shared && reads > 0 ? Math.round(((shared.hits + shared.stale) / reads) * 1000) / 10 : null,
    ...(countersUnread ? { countersUnread } : {}),
    backend: degraded ? "memory" : "redis",
    ...(degraded ? { degraded } : {}),
    memoryEntries: local.memoryEntries,
    memoryReads: local.memoryReads,
  };
}
