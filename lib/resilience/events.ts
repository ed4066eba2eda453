/**
 * Typed events of the resilience layer. Every degraded decision and every breaker transition is
 * emitted here, so nothing fails silently (code-style pattern 10, anti-pattern 4); the
 * observability feature subscribes and turns them into counters and logs.
 */

/** Why a guarded Redis call did not produce Redis's answer. */
export type DegradedReason = "timeout" | "redis-error" | "circuit-open";

/**
 * What a feature does when Redis is degraded:
 * - `open`: answer with a fallback value (e.g. allow the request, treat as cache miss);
 * - `closed`: throw a typed error, so HTTP answers 503 + Retry-After;
 * - `local`: compute the answer with a per-instance in-memory stand-in (never shared).
 */
export type FailPolicy = "open" | "closed" | "local";

export type BreakerState = "closed" | "open" | "half-open";

/** A guarded call was degraded; `failPolicy` says what the caller got instead. */
export interface RedisDegradedEvent {
  type: "redis.degraded";
  /** The guard's `name`, e.g. `"cache.get"`, `"ratelimit.limit"`. */
  operation: string;
  reason: DegradedReason;
  failPolicy: FailPolicy;
  /** The failure behind it; absent for `circuit-open` (no call was made). */
  error?: unknown;
  /** Time from the guard's start to the decision. */
  elapsedMs: number;
}

/** The circuit breaker changed state. */
export interface RedisBreakerEvent {
  type: "redis.breaker";
  state: BreakerState;
  previous: BreakerState;
  /** Consecutive failures counted when the transition happened. */
  consecutiveFailures: number;
  /** How long calls will be skipped from now (0 unless `state` is `open`). */
  retryAfterMs: number;
}

/** Redis answered with an error reply (WRONGTYPE, NOSCRIPT, syntax…): a bug, rethrown as RedisCommandError. */
export interface RedisCommandErrorEvent {
  type: "redis.command-error";
  operation: string;
  /** The reply's code word (`WRONGTYPE`, `ERR`…), when one was found. */
  code: string | undefined;
  error: unknown;
}

/**
 * An operation the guard had already given up on (timeout) later failed with something other
 * than its own abort — reported so such failures are not lost with the abandoned promise.
 */
export interface RedisLateFailureEvent {
  type: "redis.late-failure";
  operation: string;
  error: unknown;
}

export type ResilienceEvent = RedisDegradedEvent | RedisBreakerEvent | RedisCommandErrorEvent | RedisLateFailureEvent;

/** Alias used by `guard()` options. */
export type GuardEvent = ResilienceEvent;

/** Subscriber for resilience events. Must not throw: it runs inside the guard's decision path. */
export type EmitResilienceEvent = (event: ResilienceEvent) => void;
