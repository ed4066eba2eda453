/** Result types of a rate-limit check: plain objects, the same for Next's middleware and Hono's `c.var`. */
import type { DegradedReason } from "../resilience";
import type { ResolvedRateLimitPolicy } from "./policy";

/** Why a decision was not Redis's answer: a guard reason, or `no-redis` (the kit runs in memory mode). */
export type RateLimitDegradedReason = DegradedReason | "no-redis";

/**
 * Where a policy's answer came from:
 * `redis` (@upstash/ratelimit), `cache` (a denial remembered in this isolate: no Redis call),
 * `penalty` (the identity is serving a penalty), `local` (per-instance stand-in, degraded),
 * `unmeasured` (fail-open fallback, or not checked because another limit already refused).
 */
export type PolicySource = "redis" | "cache" | "penalty" | "local" | "unmeasured";

export interface PolicyOutcome {
  readonly policy: ResolvedRateLimitPolicy;
  readonly success: boolean;
  readonly source: PolicySource;
  /** Units left (minimum over the policy's identities); absent when unmeasured. */
  readonly remaining?: number;
  /** Epoch ms when more quota is available (the library's window end / next refill, or the penalty end). */
  readonly reset?: number;
  readonly degraded?: RateLimitDegradedReason;
  /** A `closed` policy could not reach Redis: the request must be refused with 503. */
  readonly unavailable?: boolean;
  /** For `unavailable`: when a retry may succeed (open circuit's remaining cooldown), in ms. */
  readonly retryAfterMs?: number;
}

/**
 * - `allowed`: go on (possibly degraded);
 * - `limited`: a quota is exhausted → 429 + Retry-After;
 * - `blocked`: the identity is on the deny list → 403;
 * - `unavailable`: a fail-closed policy could not decide → 503 + Retry-After.
 */
export type RateLimitOutcome = "allowed" | "limited" | "blocked" | "unavailable";

export interface RateLimitDecision {
  readonly outcome: RateLimitOutcome;
  readonly success: boolean;
  /** One entry per policy that applies to the route, in the route's order. */
  readonly policies: readonly PolicyOutcome[];
  /** Names of the policies whose quota is exhausted (RFC 9457 `violated-policies`). */
  readonly violated: readonly string[];
  /** Set when any policy was decided without Redis's answer; also sent as `x-ratelimit-degraded`. */
  readonly degraded?: RateLimitDegradedReason;
  /** Whole seconds, for `limited` and `unavailable`. */
  readonly retryAfterSeconds?: number;
  /** For `blocked`: which kind of identity matched ("ip" | "user"); the value itself is never echoed. */
  readonly blockedBy?: "ip" | "user";
  /** When the decision was taken (epoch ms), for delta-seconds headers. */
  readonly decidedAt: number;
  /** Work that must outlive the response (penalty writes, counters): hand it to waitUntil. Never rejects. */
  readonly pending: Promise<unknown>;
}
