/**
 * The composition root: builds every part of the kit from one typed config. No I/O at construction,
 * so it is cheap on a cold edge isolate. Features are added here as they land (rate limit, cache, …).
 */
import type { Redis } from "@upstash/redis";
import type { KitConfig } from "./config";
import { createKeys, type Keys } from "./keys";
import { createRedis, JOIN_CAPS } from "./redis";
import { createCircuitBreaker, type CircuitBreaker } from "./resilience";
import { systemClock, type Clock } from "./clock";
import { createCache, type Cache } from "./cache/cache";
// The store module, not the lib/idempotency index: the index re-exports withIdempotency, which imports getKit.
import { createIdempotencyStore, type IdempotencyStore } from "./idempotency/store";

export type KitMode = "redis" | "memory";

export interface Kit {
  readonly config: KitConfig;
  /**
   * "redis": shared state in Upstash (or upstash-local). "memory": no Redis configured — every feature
   * runs on a per-instance in-memory stand-in and says so (DESIGN.md §4); nothing is shared across instances.
   */
  readonly mode: KitMode;
  /** `null` in memory mode. Features take narrow `Pick<Redis, …>` ports of it. */
  readonly redis: Redis | null;
  readonly keys: Keys;
  /** One breaker per isolate: every feature's Redis calls trip and respect the same circuit. */
  readonly breaker: CircuitBreaker | undefined;
  readonly clock: Clock;
  /**
   * The default cache (namespace "default"); `kit.cache.withNamespace("posts")` for others. Shares this
   * isolate's memory fallback, single-flight map and breaker. See lib/cache.
   */
  readonly cache: Cache;
  /**
   * Idempotency records (claim / complete / release); `null` in memory mode, where idempotent routes
   * follow their fail policy (closed: 503). See lib/idempotency.
   */
  readonly idempotency: IdempotencyStore | null;
}

export interface KitDeps {
  /** Inject a client (tests point it at a private upstash-local); default: built from config. */
  redis?: Redis | null;
  clock?: Clock;
}

export function createKit(config: KitConfig, deps: KitDeps = {}): Kit {
  const clock = deps.clock ?? systemClock;
  const redis =
    deps.redis !== undefined
      ? deps.redis
      : config.redis
        ? createRedis({
            url: config.redis.url,
            token: config.redis.token,
            commandTimeoutMs: config.redisCommandTimeoutMs,
            retries: config.redisRetries,
            coalesce: config.redisCoalesceInFlight === 0 ? false : { maxInFlight: config.redisCoalesceInFlight, ...JOIN_CAPS },
          })
        : null;
  const breaker = config.breaker
    ? createCircuitBreaker({ threshold: config.breaker.threshold, cooldownMs: config.breaker.cooldownMs, clock })
    : undefined;
  const keys = createKeys(config.keyPrefix);
  return Object.freeze({
    config,
    mode: redis ? "redis" : "memory",
    redis,
    keys,
    breaker,
    clock,
    cache: createCache({ redis, keys, clock, breaker, failPolicy: config.cache.failPolicy, timeoutMs: config.redisCommandTimeoutMs }),
    idempotency: redis ? createIdempotencyStore({ redis, clock, breaker, timeoutMs: config.redisCommandTimeoutMs }) : null,
  } satisfies Kit);
}
