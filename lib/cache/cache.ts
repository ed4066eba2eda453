/**
 * createCache(): the cache's public surface — get/set/delete/mget/mset, getOrSet/cached with
 * stale-while-revalidate and cross-instance stampede protection, and invalidation by tag, namespace
 * version and key prefix. Storage and degradation live in backend.ts; this file is the policy.
 *
 * Read path (one HTTP request): CACHE_READ → hit: return; stale: return and refresh in `waitUntil`;
 * miss: take the fill lease (SET NX PX). The winner loads and writes the value stamped with the
 * version tokens captured before loading; losers poll briefly for the winner's value, then load
 * themselves (fail-open). Concurrent callers in one process share one promise first (get-or-set.ts).
 */
import { toMs } from "../duration";
import { CacheBackend, type BackendInfo, type PendingEntry } from "./backend";
import { decodeValue, encodeValue } from "./codec";
import { envelopeHead, type CacheEnvelope, type EntryOutcome } from "./envelope";
import { createFill } from "./fill";
import { createGetOrSet, type Flight } from "./get-or-set";
import { MemoryStore } from "./memory-store";
import { resolveTtl } from "./ttl";
import type {
  Cache,
  CacheDeps,
  CacheLocalState,
  CacheLookup,
  CacheOptions,
  CachedOptions,
  GetOrSetOptions,
  LeaseOptions,
  ReadOptions,
  WriteOptions,
} from "./types";

export type * from "./types";

const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
const DEFAULT_LEASE = { ttlMs: 5000, waitMs: 3000 } as const;
const VERSION_TTL_SECONDS = 31 * 86_400;
/** Distinct undecodable entries logged per cache (each is also counted in `corruptReads`). */
const MAX_CORRUPT_WARNINGS = 100;

interface Shared {
  deps: Required<Pick<CacheDeps, "keys" | "clock">>;
  backend: CacheBackend;
  memory: MemoryStore;
  inflight: Map<string, Flight>;
  local: CacheLocalState;
  /** Entry keys already logged as undecodable (bounded). */
  corruptWarned: Set<string>;
}

/**
 * Creates a cache over the kit's Redis client.
 * @example
 * const cache = createCache({ redis, keys, clock }, { namespace: "posts", staleWhileRevalidate: "1 m" });
 * const post = await cache.getOrSet(`post:${id}`, () => db.post(id), { tags: [`user:${authorId}`] });
 */
export function createCache(deps: CacheDeps, options: CacheOptions = {}): Cache {
  const memory = new MemoryStore({ maxEntries: options.memory === false ? 0 : (options.memory?.maxEntries ?? 1000) });
  const local: CacheLocalState = { memoryEntries: 0, degraded: undefined, memoryReads: { hits: 0, stale: 0, misses: 0 }, corruptReads: 0 };
  const backend = new CacheBackend({
    redis: deps.redis,
    keys: deps.keys,
    clock: deps.clock,
    breaker: deps.breaker,
    failPolicy: deps.failPolicy ?? "open",
    timeoutMs: deps.timeoutMs ?? 1000,
    memory,
    ...(deps.emit ? { emit: deps.emit } : {}),
    onDegraded: (reason) => (local.degraded = reason),
    versionTtlSeconds: VERSION_TTL_SECONDS,
  });
  const shared: Shared = { deps: { keys: deps.keys, clock: deps.clock }, backend, memory, inflight: new Map(), local, corruptWarned: new Set() };
  return namespaced(shared, options);
}

function namespaced(shared: Shared, options: CacheOptions): Cache {
  const namespace = options.namespace ?? "default";
  const { backend, deps, local } = shared;
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;

  function note<R extends BackendInfo>(result: R): R {
    if (result.backend === "redis" && !result.degraded) local.degraded = undefined;
    return result;
  }

  /**
   * A read result as the caller sees it. An entry whose data cannot be decoded (unknown codec tag,
   * text that is not JSON, a wrong shape — written by another version or by hand) is a miss, counted
   * in `corruptReads` and logged once per key: throwing would fail every read of the key (HTTP 500)
   * until it expired; as a miss, the next fill overwrites it.
   */
  function toLookup<T>(read: BackendInfo & { outcome: EntryOutcome; entry?: CacheEnvelope }, key?: string): CacheLookup<T> {
    if (read.backend === "memory") {
      const counter = read.outcome === "hit" ? "hits" : read.outcome === "stale" ? "stale" : "misses";
      local.memoryReads[counter]++;
    }
    const info: BackendInfo = read.degraded ? { backend: read.backend, degraded: read.degraded } : { backend: read.backend };
    const served = read.outcome === "hit" || read.outcome === "stale";
    if (served && read.entry) {
      try {
        return { status: read.outcome as "hit" | "stale", value: decodeValue(read.entry.d) as T, createdAt: read.entry.c, ...info };
      } catch (err) {
        corrupt(key, err);
      }
    } else if (served || read.outcome === "corrupt") corrupt(key, "not a cache envelope");
    return { status: "miss", value: undefined, ...info };
  }

  function corrupt(key: string | undefined, why: unknown): void {
    local.corruptReads++;
    const id = `${namespace}\n${key ?? ""}`;
    if (shared.corruptWarned.has(id) || shared.corruptWarned.size >= MAX_CORRUPT_WARNINGS) return;
    shared.corruptWarned.add(id);
    console.warn(`[edge-kit] cache entry "${key ?? "?"}" in namespace "${namespace}" is unreadable; treated as a miss and refilled:`, why);
  }

  function pending(key: string, value: unknown, ttl: WriteOptions): PendingEntry {
    const { freshMs, staleMs } = resolveTtl(namespace, ttl, options);
    const head = envelopeHead(key, encodeValue(value), { createdAt: deps.clock.now(), freshMs, staleMs }, maxValueBytes);
    return { key: deps.keys.cache(namespace, key), head, px: freshMs + staleMs };
  }

  function leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number } {
    const chosen = call ?? options.lease;
    if (chosen === false) return false;
    // Whole ms: SET … PX rejects fractions.
    const ttlMs = chosen?.ttl !== undefined ? Math.max(1, Math.ceil(toMs(chosen.ttl))) : DEFAULT_LEASE.ttlMs;
    return { ttlMs, waitMs: chosen?.wait !== undefined ? toMs(chosen.wait) : DEFAULT_LEASE.waitMs };
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

  const getOrSet = createGetOrSet({ namespace, backend, keys: deps.keys, clock: deps.clock, inflight: shared.inflight, note, toLookup, leaseSettings, joinMs, pending, background });

  const cache: Cache = {
    namespace,

    async lookup<T>(key: string, read: ReadOptions = {}) {
      return toLookup<T>(note(await backend.read(namespace, key, read.tags ?? [], read.count ?? true)), key);
    },

    fill: createFill({ namespace, backend, keys: deps.keys, defaultLeaseMs: DEFAULT_LEASE.ttlMs, note, toLookup, leaseSettings, pending }),

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
      return namespaced(shared, { ...options, ...defaults, namespace: name });
    },

    localState() {
      return { ...local, memoryEntries: shared.memory.size, memoryReads: { ...local.memoryReads } };
    },
  };
  return cache;
}
