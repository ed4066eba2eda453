/**
 * When a refused token-bucket request can succeed, for costs above the refill rate.
 *
 * @upstash/ratelimit 2.2.0's token-bucket script (dist `tokenBucketLimitScript`) refills lazily in
 * whole intervals — `tokens = min(max, tokens + floor((now - refilledAt) / interval) * refillRate)`,
 * `refilledAt += refills * interval` — refuses when `tokens < cost` without writing anything, and
 * answers `{-1, refilledAt + interval}`: `reset` is the NEXT refill whatever the cost, and the bucket's
 * level is lost (the library reports `remaining: 0`). With cost ≤ refillRate one refill always
 * suffices, so that `reset` is right. Above it (e.g. 1 token per interval, cost 5, empty bucket) the
 * client told to come back at `reset` is refused again, four times over.
 *
 * The kit therefore reads the bucket (the library's own read-only `getRemaining` script, an EVALSHA
 * that rides the limiter's HTTP request: 0 extra round trips) for such policies only, and computes
 * when `cost` tokens will exist; Retry-After, the RateLimit `t` (draft-ietf-httpapi-ratelimit-headers,
 * server rules: `t` is when more quota is available) and the isolate's cached denial all use it.
 */
import { toMs } from "../duration";
import type { ResolvedRateLimitPolicy } from "./policy";

/** The stored bucket as `Ratelimit.getRemaining()` returns it: `remaining` = tokens, `reset` = stored refilledAt + interval. */
export interface StoredBucket {
  remaining: number;
  reset: number;
}

/** True when the library's `reset` can be early for `policy`: a token bucket whose cost exceeds its refill. */
export function needsBucketRead(policy: ResolvedRateLimitPolicy): boolean {
  return policy.algorithm.algorithm === "token-bucket" && policy.cost > policy.algorithm.refillRate;
}

/**
 * Epoch ms at which a request of `policy.cost`, refused with the library's `deniedReset`, finds
 * enough tokens (absent other spending): the first refill instant `refilledAt + k × interval` with
 * `tokens + k × refillRate ≥ cost`, i.e. `deniedReset + (ceil((cost − tokens) / refillRate) − 1) × interval`.
 * Never earlier than `deniedReset`.
 */
export function tokenBucketRetryAt(policy: ResolvedRateLimitPolicy, deniedReset: number, bucket: StoredBucket): number {
  const algorithm = policy.algorithm;
  if (algorithm.algorithm !== "token-bucket") return deniedReset;
  const interval = toMs(algorithm.interval);
  // The refusal wrote nothing, so the stored bucket is the state before the script's lazy refill:
  // replay the refills between the stored refilledAt and the refusal's. (If the stored one is newer,
  // another request moved the bucket in between: start from that newer state.)
  const refills = Math.max(0, Math.round((deniedReset - bucket.reset) / interval));
  const tokens = Math.min(algorithm.maxTokens, bucket.remaining + refills * algorithm.refillRate);
  const needed = Math.max(1, Math.ceil((policy.cost - tokens) / algorithm.refillRate));
  return Math.max(deniedReset, bucket.reset) + (needed - 1) * interval;
}
