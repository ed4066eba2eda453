/**
 * lib/resilience: `guard()` (timeout, fail policy, breaker, degraded reason), the circuit breaker,
 * the classification of @upstash/redis failures, and the typed events they emit.
 */
export {
  guard,
  type GuardOptions,
  type GuardCommonOptions,
  type GuardPolicyOptions,
  type GuardResult,
  type GuardOperation,
} from "./guard";
export { createCircuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker";
export { classifyRedisError, type RedisErrorKind } from "./classify-redis-error";
export type {
  DegradedReason,
  FailPolicy,
  BreakerState,
  ResilienceEvent,
  GuardEvent,
  EmitResilienceEvent,
  RedisDegradedEvent,
  RedisBreakerEvent,
  RedisCommandErrorEvent,
  RedisLateFailureEvent,
} from "./events";
export { kitGuardOptions } from "./kit-guard-options";
