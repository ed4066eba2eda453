/**
 * The composition root: builds every part of the kit from one typed config. No I/O at construction,
 * so it is cheap on a cold edge isolate. Features are added here as they land (rate limit, cache, …).
 *
 * Two steps, for the edge bundle's sake: `createGateKit` builds what the gates run (the cache only as
 * its lookup and fill lease), `completeKit` adds the rest of the cache to that same kit. Next's
 * middleware builds only the first, so its bundle carries no getOrSet, write or invalidation code
 * (README "Bundle budget"); everything else gets a whole Kit from `createKit` or `getKit()`.
 */
import type { Redis } from "@upstash/redis";
import type { KitConfig } from "./config";
import { createKeys, type Keys } from "./keys";
import { createRedis, JOIN_CAPS } from "./redis";
import { createCircuitBreaker, type CircuitBreaker, type RedisBreakerEvent } from "./resilience";
import { systemClock, type Clock } from "./clock";
import { cacheOver, type Cache } from "./cache/cache";
import { createCacheState, type CacheState } from "./cache/cache-state";
import { gateCacheOver } from "./cache/gate-cache";
import type { GateCache } from "./cache/types";
// The store module, not the lib/idempotency index: the index re-exports withIdempotency, which imports getKit.
import { createIdempotencyStore, type IdempotencyStore } from "./idempotency/store";

export type KitMode = "redis" | "memory";

/** What the gates (lib/gate) run on: a Kit whose cache is only the lookup and fill lease. */
export interface GateKit {
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
  /** The default cache's `fill.begin` / `acquire` / `release` per namespace (lib/cache/gate-cache.ts). */
  readonly cache: GateCache;
  /**
   * Idempotency records (claim / complete / release); `null` in memory mode, where idempotent routes
   * follow their fail policy (closed: 503). See lib/idempotency.
   */
  readonly idempotency: IdempotencyStore | null;
}

export interface Kit extends GateKit {
  /**
   * The default cache (namespace "default"); `kit.cache.withNamespace("posts")` for others. Shares this
   * isolate's memory fallback, single-flight map and breaker. See lib/cache.
   */
  readonly cache: Cache;
}

export interface KitDeps {
  /** Inject a client (tests point it at a private upstash-local); default: built from config. */
  redis?: Redis | null;
  clock?: Clock;
  /**
   * Receives the circuit breaker's transitions (to your logger or metrics). Default: one log line per
   * transition — an opening circuit changes what every feature does (each applies its fail policy), so
   * it is never silent.
   */
  onBreakerEvent?: (event: RedisBreakerEvent) => void;
}

/** The default breaker subscriber: a line when the circuit opens, and when Redis answers again. */
export function logBreakerEvent(event: RedisBreakerEvent): void {
  if (event.state === "open") {
    console.warn(
      `[edge-kit] Redis circuit open after ${event.consecutiveFailures} consecutive failures: Redis calls skipped for ${event.retryAfterMs} ms, every feature applies its fail policy`,
    );
  } else if (event.state === "closed") {
    console.warn(`[edge-kit] Redis circuit closed: Redis answered again (was ${event.previous})`);
  }
}

export function createKit(config: KitConfig, deps: KitDeps = {}): Kit {
  return completeKit(createGateKit(config, deps));
}

/** A kit's cache state, and its whole cache once `completeKit` made it. */
interface CacheSlot {
  state: CacheState;
  gate: GateCache;
  full?: Cache;
}

const slots = new WeakMap<GateKit, CacheSlot>();

/** The kit the gates need; `completeKit` makes it a whole Kit. */
export function createGateKit(config: KitConfig, deps: KitDeps = {}): GateKit {
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
    ? createCircuitBreaker({ threshold: config.breaker.threshold, cooldownMs: config.breaker.cooldownMs, clock, emit: deps.onBreakerEvent ?? logBreakerEvent })
    : undefined;
  const keys = createKeys(config.keyPrefix);
  const state = createCacheState({ redis, keys, clock, breaker, failPolicy: config.cache.failPolicy, timeoutMs: config.redisCommandTimeoutMs });
  const slot: CacheSlot = { state, gate: gateCacheOver(state, {}) };
  const kit = Object.freeze({
    config,
    mode: redis ? "redis" : "memory",
    redis,
    keys,
    breaker,
    clock,
    get cache(): GateCache {
      return slot.full ?? slot.gate;
    },
    idempotency: redis ? createIdempotencyStore({ redis, clock, breaker, timeoutMs: config.redisCommandTimeoutMs }) : null,
  } satisfies GateKit);
  slots.set(kit, slot);
  return kit;
}

/**
 * Makes `kit` whole, in place: the same object (so per-kit state keyed by it — rate-limit registries,
 * deferred counts, internal-request keys — stays one per isolate when the gates and the routes share a
 * module graph, as on Node or in tests), its cache now the whole Cache over the same state (memory
 * fallback, single-flight map, local stats). Idempotent.
 */
export function completeKit(kit: GateKit): Kit {
  const slot = slots.get(kit);
  if (!slot) throw new TypeError("completeKit: not a kit made by createGateKit");
  slot.full ??= cacheOver(slot.state, {});
  return kit as Kit;
}
