/**
 * TTL profiles: how long each kind of data stays fresh, in one table (lib/keys DEFAULT_TTLS, the
 * defaults of the backends this kit serves: users 300 s, profiles 180 s, posts 60 s, messages and
 * notifications 30 s, static/categories 3600 s; anything else 300 s). Every entry gets a TTL.
 */
import { toMs, type Duration } from "../duration";
import { DEFAULT_TTLS, type CacheProfile } from "../keys";

export type { CacheProfile };

/** Freshness of an entry: a fixed duration or a named profile. */
export interface TtlOptions {
  /** Fresh window; wins over `profile`. */
  ttl?: Duration;
  /** Named profile (`"posts"` → 60 s). @default the namespace's name when it is a profile, else 300 s */
  profile?: CacheProfile;
  /** Window after `ttl` in which the old value is served while one caller refreshes it. @default 0 */
  staleWhileRevalidate?: Duration;
}

export interface ResolvedTtl {
  freshMs: number;
  staleMs: number;
}

/** Longest fresh + stale lifetime accepted: entries must not outlive their version keys. */
export const MAX_ENTRY_LIFETIME_MS = 30 * 86_400_000;

function isProfile(name: string): name is CacheProfile {
  return Object.hasOwn(DEFAULT_TTLS.cache.profileSeconds, name);
}

/** Seconds of a profile; unknown names (and none) get the 300 s default. */
export function profileSeconds(profile: string | undefined): number {
  return profile !== undefined && isProfile(profile) ? DEFAULT_TTLS.cache.profileSeconds[profile] : DEFAULT_TTLS.cache.defaultSeconds;
}

/**
 * The windows of one write: per-call options over the cache's defaults over the namespace profile.
 * Fractional milliseconds (`ttl: 60_000 / 7`) are rounded UP to whole ms: `SET … PX` accepts only
 * integers, and Redis would reject the write after the loader already ran.
 * @throws RangeError for a zero/negative/over-long TTL (a cache entry without expiry is a leak).
 */
export function resolveTtl(namespace: string, call: TtlOptions, defaults: TtlOptions): ResolvedTtl {
  const ttl = call.ttl ?? (call.profile ? undefined : defaults.ttl);
  const freshMs = Math.ceil(ttl !== undefined ? toMs(ttl) : profileSeconds(call.profile ?? defaults.profile ?? namespace) * 1000);
  const staleMs = Math.ceil(toMs(call.staleWhileRevalidate ?? defaults.staleWhileRevalidate ?? 0));
  if (freshMs <= 0) throw new RangeError(`cache ttl must be > 0 (got ${freshMs} ms): every entry needs an expiry`);
  if (freshMs + staleMs > MAX_ENTRY_LIFETIME_MS) {
    throw new RangeError(`cache ttl + staleWhileRevalidate must be at most 30 d (got ${freshMs + staleMs} ms)`);
  }
  return { freshMs, staleMs };
}
