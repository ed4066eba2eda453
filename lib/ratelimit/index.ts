/**
 * lib/ratelimit: named policies over @upstash/ratelimit's algorithms, one-round-trip multi-limit
 * checks, fail policies through guard(), a bounded cache of denials, penalties, a deny list, and the
 * IETF RateLimit header fields / RFC 9457 refusals. Next uses `rateLimitGate`; Hono `edge/middleware/rate-limit`.
 */
export { DEFAULT_POLICIES, resolvePolicy } from "./policy";
export type {
  DefaultPolicyName,
  RateLimitAlgorithm,
  RateLimitIdentity,
  RateLimitPenalty,
  RateLimitPolicyOptions,
  ResolvedRateLimitPolicy,
} from "./policy";
export { defineRateLimits } from "./settings";
export type { DenyListOptions, RateLimits, RateLimitsOptions, RateLimitSettings, RateLimitPolicyOverride, RouteRateLimit } from "./settings";
export { checkRateLimit, prepareRateLimit, type CheckRateLimitInput, type PreparedRateLimit } from "./check";
export { decisionHeaders, refusalResponse, RATE_LIMIT_PROBLEM_TYPES, DEGRADED_HEADER } from "./responses";
export { rateLimitGate } from "./gate";
export { addToDenyList, removeFromDenyList } from "./deny-list";
export { BoundedCache } from "./bounded-cache";
export { createLocalLimiter, type LocalLimiter, type LocalLimitResult } from "./local-limiter";
export type { PolicyOutcome, PolicySource, RateLimitDecision, RateLimitDegradedReason, RateLimitOutcome } from "./types";
