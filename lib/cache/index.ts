/**
 * lib/cache: cached reads over HTTP Redis — exact round trips (own codec envelope), TTL profiles,
 * stale-while-revalidate, cross-instance stampede protection, invalidation by tag / namespace version
 * (checked in the read's single round trip) and by prefix (bounded SCAN), shared stats, a bounded
 * in-memory fallback, and the HTTP response cache used by middleware.ts and the Hono `cache()` middleware.
 */
export { createCache } from "./cache";
export type {
  Cache,
  CacheDeps,
  CacheOptions,
  CacheLookup,
  CacheStatus,
  CacheWriteResult,
  CacheLocalState,
  CachedOptions,
  GetOrSetOptions,
  LeaseOptions,
  PrefixInvalidationOptions,
  PrefixInvalidationResult,
  ReadOptions,
  WriteOptions,
} from "./cache";
export type { BackendInfo, CacheBackendName, CacheDegradedReason } from "./backend";
export { CacheValueTooLargeError, CacheSerializationError } from "./errors";
export { encodeValue, decodeValue } from "./codec";
export { resolveTtl, profileSeconds, type TtlOptions, type CacheProfile } from "./ttl";
export { getCacheStats, type CacheStats } from "./stats";
export { CACHE_READ, CACHE_WRITE } from "./scripts";
export type { CacheFill, CacheFillLease, FillBegin, FillBeginOptions, GateCache } from "./cache";
export type { RouteCachePolicy } from "./route-policy";
export {
  CACHE_FILL_HEADER,
  CACHE_STATUS_HEADER,
  CACHE_DEGRADED_HEADER,
  CACHE_NOT_STORED_HEADER,
  responseCacheTarget,
  routeCachePolicy,
  storeResponse,
  UNSTORABLE_PASS_MS,
  type ResponseCacheTarget,
  type ResponseCacheDecision,
  type StoreOutcome,
} from "./http-cache";
export { lookupResponse, issueResponseLookup, type LookupResponseOptions, type IssuedResponseLookup } from "./response-lookup";
export { CACHE_LOOKUP } from "./lookup-script";
export { cacheGate, createCacheGate, type CacheGateOptions, type CacheGateStore, type CacheContinueDecision } from "./gate";
export { storeAfterHandler } from "./gate-store";
export { unconditionalFill, answerValidators } from "./fill-request";
export { withCachedResponse, storeCachedResponse, type WithCachedResponseOptions } from "./route-store";
