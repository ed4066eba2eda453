/**
 * lib/redis: creates and narrows the Upstash HTTP client, and runs pinned Lua scripts.
 * Nothing here catches failures: that is `lib/resilience`'s `guard()`.
 */
export { createRedis, retryBackoffMs, type CreateRedisOptions } from "./create-redis";
export { JOIN_CAPS, type CoalescingOptions } from "./coalescing-requester";
export type {
  Redis,
  ScriptRedis,
  PingRedis,
  HealthRedis,
  CacheRedis,
  LockRedis,
  IdempotencyRedis,
  DedupeRedis,
  FlagRedis,
  SessionRedis,
  CounterRedis,
  RateLimitRedis,
  StreamRedis,
  MetricsRedis,
} from "./ports";
export { defineScript, runScript, scriptSha1, type RedisScript, type DefineScriptOptions, type ScriptArg } from "./run-script";
export { redisErrorReply, isNoScriptError, type RedisErrorReply } from "./error-reply";
export { COMPARE_AND_DELETE } from "./scripts";
