/**
 * createCache(): the cache's public surface — get/set/delete/mget/mset, getOrSet/cached with
 * stale-while-revalidate and cross-instance stampede protection, and invalidation by tag, namespace
 * version and key prefix. Storage and degradation live in backend.ts; this file is the policy.
 *
 * Read path (one HTTP request): CACHE_READ → hit: return; stale: return and refresh in `waitUntil`;
 * miss: take the fill lease (SET NX PX). The winner loads and writes the value stamped with the
 * version tokens captured before loading; losers poll briefly for the winner's value, then load
 * themselves (fail-open). Concurrent callers in one process share one promise first (get-or-set.ts).
 *
 * The state every namespace shares, and the helpers the gates' cache shares too, are in cache-state.ts.
 */
import { CacheBackend, type PendingEntry } from "./backend";
import { createCacheState, DEFAULT_LEASE, namespaceBase, type CacheState } from "./cache-state";
import { encodeValue } from "./codec";
import { envelopeHead } from "./envelope";
import { createFill } from "./fill";
import { createGetOrSet } from "./get-or-set";
import { resolveTtl } from "./ttl";
import type { Cache, CacheDeps, CacheOptions, CachedOptions, GetOrSetOptions, LeaseOptions, ReadOptions, WriteOptions } from "./types";

export type * from "./types";

const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * Creates a cache over the kit's Redis client.
 * @example
 * const cache = createCache({ redis, keys, clock }, { namespace: "posts", staleWhileRevalidate: "1 m" });
 * const post = await cache.getOrSet(`post:${id}`, () => db.post(id), { tags: [`user:${authorId}`] });
 */
export function createCache(deps: CacheDeps, options: CacheOptions = {}): Cache {
  return cacheOver(createCacheState(deps, options), options);
}

/** The cache of `options.namespace` over `state` (a Kit's, when lib/kit.ts completes a gate kit). */
export function cacheOver(state: CacheState, options: CacheOptions): Cache {
  return namespaced(state, new CacheBackend(state.backend), options);
}

function namespaced(state: CacheState, backend: CacheBackend, options: CacheOptions): Cache {
  const base = namespaceBase(state, options);
  const { namespace, note, toLookup, leaseSettings } = base;
  const deps = state.backend;
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;

  function pending(key: string, value: unknown, ttl: WriteOptions): PendingEntry {
    const { freshMs, staleMs } = resolveTtl(namespace, ttl, options);
    const head = envelopeHead(key, encodeValue(value), { createdAt: deps.clock.now(), freshMs, staleMs }, maxValueBytes);
    return { key: deps.keys.cache(namespace, key), head, px: freshMs + staleMs };
  }

  /** How long in-process callers join a running load: the lease ttl (the default one without a lease). */
  function joinMs(call: false | LeaseOptions | undefined): number {
    const lease = leaseSettings(call);
    return lease === false ? DEFAULT_LEASE.ttlMs : lease.ttlMs;
  }

  function background(promise: Promise<unknown>, key: string, call?: GetOrSetOptions): void {
    const report = options.onBackgroundError ?? ((err: unknown) => console.warn(`[edge-kit] cache refresh of "${key}" failed (stale value kept):`, err));
    const guarded = promise.catch((err: unknown) => report(err, key));
    const waitUntil = call?.waitUntil ?? options.waitUntil;
    if (waitUntil) waitUntil(guarded);
  }

  const getOrSet = createGetOrSet({ namespace, backend, keys: deps.keys, clock: deps.clock, inflight: state.inflight, note, toLookup, leaseSettings, joinMs, pending, background });

  const cache: Cache = {
    namespace,

    async lookup<T>(key: string, read: ReadOptions = {}) {
      return toLookup<T>(note(await backend.read(namespace, key, read.tags ?? [], read.count ?? true)), key);
    },

    fill: createFill({ ...base, deps, backend, defaultLeaseMs: DEFAULT_LEASE.ttlMs, pending }),

    async get<T>(key: string, read: ReadOptions = {}) {
      return (await cache.lookup<T>(key, read)).value;
    },

    async set(key, value, write = {}) {
      return note(await backend.write(namespace, write.tags ?? [], [pending(key, value, write)], { kind: "current" }));
    },

    async delete(...keys) {
      return note(await backend.delete(keys.map((k) => deps.keys.cache(namespace, k))));
    },

    async mget<T>(keys: readonly string[], read: ReadOptions = {}) {
      // Issued in the same tick, so the client auto-pipelines every script call into one request.
      const results = await Promise.all(keys.map((k) => backend.read(namespace, k, read.tags ?? [], true)));
      return results.map((r, i) => toLookup<T>(note(r), keys[i]).value);
    },

    async mset(entries, write = {}) {
      const list = [...entries].map(([k, v]) => pending(k, v, write));
      if (list.length === 0) return { written: 0, backend: "redis" };
      return note(await backend.write(namespace, write.tags ?? [], list, { kind: "current" }));
    },

    getOrSet,

    cached<A extends unknown[], T>(fn: (...args: A) => Promise<T> | T, cachedOptions: CachedOptions<A>) {
      const { key, tags, ...rest } = cachedOptions;
      return function cachedCall(...args: A): Promise<T> {
        const resolvedTags = typeof tags === "function" ? tags(...args) : tags;
        return cache.getOrSet(key(...args), () => fn(...args), { ...rest, ...(resolvedTags ? { tags: resolvedTags } : {}) });
      };
    },

    async invalidateTags(tags) {
      if (tags.length === 0) return { backend: "redis" };
      return note(await backend.bump(tags.map((t) => deps.keys.cacheTag(t))));
    },

    async invalidateNamespace() {
      return note(await backend.bump([deps.keys.cacheNamespaceVersion(namespace)]));
    },

    async invalidatePrefix(prefix, bounds = {}) {
      // Encoding is prefix-preserving and never yields a glob character, so `key + "*"` is literal.
      const base = deps.keys.cache(namespace, prefix);
      const scan = { count: bounds.count ?? 1000, maxIterations: bounds.maxIterations ?? 100, cursor: bounds.cursor ?? "0" };
      return note(await backend.scanDelete(`${base}*`, base, scan));
    },

    withNamespace(name, defaults = {}) {
      return namespaced(state, backend, { ...options, ...defaults, namespace: name });
    },

    localState() {
      return { ...state.local, memoryEntries: state.memory.size, memoryReads: { ...state.local.memoryReads } };
    },
  };
  return cache;
}
