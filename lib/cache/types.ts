/**
 * The public types of lib/cache: options, results and the Cache interface (implemented in cache.ts).
 */
import type { Clock } from "../clock";
import type { Duration } from "../duration";
import type { Keys } from "../keys";
import type { CacheRedis } from "../redis";
import type { CircuitBreaker, EmitResilienceEvent } from "../resilience";
import type { BackendInfo, CacheDegradedReason } from "./backend";
import type { TtlOptions } from "./ttl";

export interface CacheDeps {
  /** `null`: no Redis configured — the memory store answers, reported as degraded `no-redis`. */
  redis: CacheRedis | null;
  keys: Keys;
  clock: Clock;
  breaker?: CircuitBreaker;
  /** `open` (default): degrade to the per-instance LRU; `closed`: throw, so HTTP answers 503. */
  failPolicy?: "open" | "closed";
  /** Budget of one Redis operation. @default 1000 */
  timeoutMs?: number;
  emit?: EmitResilienceEvent;
}

export interface LeaseOptions {
  /**
   * How long one loader may hold the fill lease before another may take over. Also how long callers in
   * the same process join a load already running for the key (so a loader that never settles cannot
   * hold every later caller): past it, the next caller loads on its own. @default "5 s"
   */
  ttl?: Duration;
  /** How long the other callers poll for the winner's value before loading themselves. @default "3 s" */
  wait?: Duration;
}

export interface CacheOptions extends TtlOptions {
  /** Entries of different namespaces never collide; each has its own version. @default "default" */
  namespace?: string;
  /** Largest encoded entry accepted; larger ones throw CacheValueTooLargeError. @default 1 MiB */
  maxValueBytes?: number;
  /** The per-instance fallback LRU; `false` = none (degraded reads are misses). @default { maxEntries: 1000 } */
  memory?: false | { maxEntries: number };
  /**
   * Cross-instance single-flight of loaders; `false` = each instance loads on its own (callers in one
   * process still share a load, for at most the default lease ttl, 5 s).
   */
  lease?: false | LeaseOptions;
  /** Background refreshes are handed here (Next `event.waitUntil`, workerd `ctx.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Receives background refresh failures (stale value kept). @default console.warn */
  onBackgroundError?: (error: unknown, key: string) => void;
}

export interface ReadOptions {
  /**
   * Tags the entry was written with: their versions are then read in the same round trip. Tags the
   * entry carries but the reader omits are still checked (inside the same script call).
   */
  tags?: readonly string[];
  /** `false`: do not count this read in the shared stats (a waiting caller polling). @default true */
  count?: boolean;
}

export interface WriteOptions extends TtlOptions {
  /** Invalidate this entry with `invalidateTags([tag])`. */
  tags?: readonly string[];
}

export interface GetOrSetOptions extends WriteOptions {
  /**
   * Skip the read and load (the result is still written). While another instance holds the lease, only
   * a value written after this call started is taken from it; otherwise this call loads.
   */
  forceFresh?: boolean;
  lease?: false | LeaseOptions;
  waitUntil?: (promise: Promise<unknown>) => void;
}

export type CacheStatus = "hit" | "stale" | "miss";

export interface CacheLookup<T> extends BackendInfo {
  status: CacheStatus;
  /** The value on hit/stale; undefined on miss (a cached `undefined` is a hit with value undefined). */
  value: T | undefined;
  /** When the value was written (epoch ms), on hit/stale. */
  createdAt?: number;
}

export interface CacheWriteResult extends BackendInfo {
  /** Entries stored (0 when a version changed while loading: the value was outdated). */
  written: number;
  /**
   * `no-ticket`: `fill.complete` got a ticket without captured version tokens (a degraded lookup, a lost
   * lease), so the value may predate an invalidation: it was kept in this instance's memory store only
   * (`backend: "memory"`), never written to Redis as valid.
   */
  unshared?: "no-ticket";
}

export interface PrefixInvalidationResult extends BackendInfo {
  deleted: number;
  /** SCAN calls made. */
  scanned: number;
  /**
   * False when `maxIterations` ran out (or a step failed: `degraded` says why) before the cursor came
   * back to "0": call again with `{ cursor }`.
   */
  complete: boolean;
  /** Where the sweep stopped: pass it back as `options.cursor` to continue. "0" once complete. */
  cursor: string;
}

export interface PrefixInvalidationOptions {
  /** SCAN COUNT hint (keyspace slots per step). @default 1000 */
  count?: number;
  /** SCAN + UNLINK steps in this call, each with its own time budget. @default 100 */
  maxIterations?: number;
  /** The `cursor` of the previous incomplete call. @default "0" (from the start) */
  cursor?: string;
}

export interface CachedOptions<A extends unknown[]> extends Omit<GetOrSetOptions, "tags"> {
  /** Cache key of one call. */
  key: (...args: A) => string;
  tags?: readonly string[] | ((...args: A) => readonly string[]);
}

/**
 * Manual fill for loads that cannot be wrapped in one `getOrSet` call — e.g. middleware takes the
 * lease on a miss and the route handler, a separate invocation, stores the response. The ticket is
 * an opaque string (lease token + version tokens captured before loading) that travels between them.
 */
export interface CacheFill extends CacheFillLease {
  /** Stores `value` stamped with the ticket's captured versions and releases the lease. */
  complete(key: string, value: unknown, options: WriteOptions & { ticket: string }): Promise<CacheWriteResult>;
  /** Whether the ticket's lease is still held (proves a request was sent by the lease holder). */
  holds(key: string, ticket: string): Promise<boolean>;
  /**
   * Gives the lease back as a pass marker for `ms` instead of freeing it (Varnish's hit-for-pass): the
   * filler's answer could not be stored, so until the marker lapses lookups neither wait for a fill
   * nor take the lease — every request goes to the origin at once, none is stored.
   */
  pass(key: string, ticket: string, ms: number): Promise<void>;
}

/** The part of `CacheFill` the gates run: look up and lease, lease, give back. Nothing here writes an entry. */
export interface CacheFillLease {
  /**
   * The read and, unless it is a fresh hit, the fill lease — in ONE command (CACHE_LOOKUP), so a
   * cached read that must fill costs one round trip (issue 10). A fresh hit takes no lease. With
   * `proof` (a ticket), a request sent by the lease holder (a revalidation) is recognised: `proven`.
   * Not counted in the shared stats (so a fresh hit writes nothing): the caller counts what it serves.
   */
  begin<T = unknown>(key: string, options?: FillBeginOptions): Promise<FillBegin<T>>;
  /** Takes the fill lease (creating missing version keys); `won: false` = someone else is loading. */
  acquire(key: string, options?: { tags?: readonly string[]; lease?: LeaseOptions }): Promise<BackendInfo & { won: boolean; ticket: string }>;
  /** Releases the lease without storing. */
  release(key: string, ticket: string): Promise<void>;
}

export interface FillBeginOptions {
  tags?: readonly string[];
  /** `false`: only read, never take the lease (a HEAD: nothing to store); the result has no `lease`. */
  lease?: LeaseOptions | false;
  /** A ticket the caller says it holds; checked before anything else. */
  proof?: string | null;
}

export interface FillBegin<T> extends CacheLookup<T> {
  /** The proof ticket still holds the lease: this request is the filler (status "miss", `lease.ticket` = the proof). */
  proven: boolean;
  /**
   * Absent on a fresh hit. Otherwise whether this call holds the fill lease; `ticket` completes or
   * releases it ("" when degraded: load without coordination, nothing to release). `pass`: the last
   * fill of this entry was not storable and left a pass marker (`CacheFill.pass`): load without
   * waiting for a filler, store nothing.
   */
  lease?: { won: boolean; ticket: string; pass?: true };
}

/**
 * The cache as the gates use it (a `GateKit`'s cache, gate-cache.ts): per namespace, the fill's lookup
 * and lease. Next's middleware builds only this, so its edge bundle carries no write, getOrSet or
 * invalidation code (README "Bundle budget"); a full `Cache` is one too, over the same state.
 */
export interface GateCache {
  readonly namespace: string;
  readonly fill: CacheFillLease;
  /** The same cache (shared memory store, stats, single-flight) under another namespace. */
  withNamespace(namespace: string, defaults?: CacheOptions): GateCache;
}

export interface Cache extends GateCache {
  readonly fill: CacheFill;
  /** Full read result: status, value, backend, degraded. */
  lookup<T = unknown>(key: string, options?: ReadOptions): Promise<CacheLookup<T>>;
  /** The value if fresh or stale, else undefined. */
  get<T = unknown>(key: string, options?: ReadOptions): Promise<T | undefined>;
  set(key: string, value: unknown, options?: WriteOptions): Promise<CacheWriteResult>;
  delete(...keys: string[]): Promise<BackendInfo & { deleted: number }>;
  /** Many keys in one HTTP request; results in the order of `keys`. */
  mget<T = unknown>(keys: readonly string[], options?: ReadOptions): Promise<(T | undefined)[]>;
  /** Many entries, same TTL and tags, in one command. */
  mset(entries: Iterable<readonly [string, unknown]>, options?: WriteOptions): Promise<CacheWriteResult>;
  /** Read; on miss load once across instances, store, return. Stale values are refreshed in the background. */
  getOrSet<T>(key: string, loader: () => Promise<T> | T, options?: GetOrSetOptions): Promise<T>;
  /** Wraps `fn` so each call goes through `getOrSet` under `options.key(...args)`. */
  cached<A extends unknown[], T>(fn: (...args: A) => Promise<T> | T, options: CachedOptions<A>): (...args: A) => Promise<T>;
  /** One SET per tag: every entry written with one of these tags becomes a miss. */
  invalidateTags(tags: readonly string[]): Promise<BackendInfo>;
  /** One SET: every entry of this namespace becomes a miss (O(1), whatever the number of entries). */
  invalidateNamespace(): Promise<BackendInfo>;
  /**
   * Deletes the keys starting with `prefix` by bounded SCAN (never KEYS); prefer tags or versions.
   * Cost grows with the whole keyspace: until `complete`, call again with the returned `cursor`.
   */
  invalidatePrefix(prefix: string, options?: PrefixInvalidationOptions): Promise<PrefixInvalidationResult>;
  /** The same cache (shared memory store, stats, single-flight) under another namespace. */
  withNamespace(namespace: string, defaults?: CacheOptions): Cache;
  /** Entries held by this instance's memory fallback, and the last degraded reason seen. */
  localState(): CacheLocalState;
}

export interface CacheLocalState {
  memoryEntries: number;
  /** The reason of the most recent degraded operation, if no Redis operation has succeeded since. */
  degraded: CacheDegradedReason | undefined;
  /** Reads served by the memory fallback on this instance (not shared). */
  memoryReads: { hits: number; stale: number; misses: number };
  /** Reads on this instance that found an entry it could not decode (treated as misses and refilled). */
  corruptReads: number;
}
