/**
 * createCache(): the cache's public surface — get/set/delete/mget/mset, getOrSet/cached with
 * stale-while-revalidate and cross-instance stampede protection, and invalidation by tag, namespace
 * version and key prefix. Storage and degradation live in backend.ts; this file is the policy.
 *
 * Read path (one HTTP request): CACHE_READ → hit: return; stale: return and refresh in `waitUntil`;
 * miss: take the fill lease (SET NX PX). The winner loads and writes the value stamped with the
 * version tokens captured before loading; losers poll briefly for the winner's value, then load
 * themselves (fail-open). Concurrent callers in one process share one promise first.
 */
import { toMs } from "../duration";
import { CacheBackend, type BackendInfo, type PendingEntry } from "./backend";
import { decodeValue, encodeValue } from "./codec";
import { envelopeHead, type CacheEnvelope, type EntryOutcome } from "./envelope";
import { createFill } from "./fill";
import { MemoryStore, newLeaseToken } from "./memory-store";
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
/** Poll delays of a caller waiting for another instance's loader (then 250 ms each). */
const POLL_DELAYS_MS = [25, 50, 100, 150, 200];

interface Shared {
  deps: Required<Pick<CacheDeps, "keys" | "clock">>;
  backend: CacheBackend;
  memory: MemoryStore;
  inflight: Map<string, Promise<unknown>>;
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
  const { backend, deps, inflight, local } = shared;
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
    return { ttlMs: chosen?.ttl !== undefined ? toMs(chosen.ttl) : DEFAULT_LEASE.ttlMs, waitMs: chosen?.wait !== undefined ? toMs(chosen.wait) : DEFAULT_LEASE.waitMs };
  }

  function background(promise: Promise<unknown>, key: string, call?: GetOrSetOptions): void {
    const report = options.onBackgroundError ?? ((err: unknown) => console.warn(`[edge-kit] cache refresh of "${key}" failed (stale value kept):`, err));
    const guarded = promise.catch((err: unknown) => report(err, key));
    const waitUntil = call?.waitUntil ?? options.waitUntil;
    if (waitUntil) waitUntil(guarded);
  }

  /** Loads under a lease already held, writes with the captured tokens, releases the lease. */
  async function loadAndStore<T>(key: string, loader: () => Promise<T> | T, call: GetOrSetOptions, tokens: (string | undefined)[], leaseToken: string | undefined): Promise<T> {
    const tags = call.tags ?? [];
    const entryKey = deps.keys.cache(namespace, key);
    let value: T;
    try {
      value = await loader();
    } catch (err) {
      if (leaseToken) await backend.releaseLease(entryKey, leaseToken);
      throw err;
    }
    const entry = pending(key, value, call);
    const stamp = tokens.every((t) => t !== undefined) ? { kind: "captured" as const, tokens: tokens as string[] } : { kind: "current" as const };
    note(
      leaseToken
        ? await backend.writeAndRelease(namespace, tags, [entry], stamp, { entryKey, token: leaseToken })
        : await backend.write(namespace, tags, [entry], stamp),
    );
    return value;
  }

  /** Stale hit: one caller (cluster-wide) refreshes; the others keep serving the stale value. */
  async function refresh<T>(key: string, loader: () => Promise<T> | T, call: GetOrSetOptions, tokens: (string | undefined)[]): Promise<void> {
    const lease = leaseSettings(call.lease);
    const entryKey = deps.keys.cache(namespace, key);
    if (lease === false) {
      await loadAndStore(key, loader, call, tokens, undefined);
      return;
    }
    const token = newLeaseToken();
    const taken = note(await backend.acquireLease(entryKey, token, lease.ttlMs));
    if (taken.won) await loadAndStore(key, loader, call, tokens, taken.backend === "redis" ? token : undefined);
  }

  async function fill<T>(key: string, loader: () => Promise<T> | T, call: GetOrSetOptions): Promise<T> {
    const tags = call.tags ?? [];
    const read = call.forceFresh ? undefined : await backend.read(namespace, key, tags, true);
    if (read) {
      note(read);
      const found = toLookup<T>(read, key);
      if (found.status === "hit") return found.value as T;
      if (found.status === "stale") {
        background(refresh(key, loader, call, read.tokens), key, call);
        return found.value as T;
      }
      if (read.backend === "memory") return loadAndStore(key, loader, call, [], undefined);
    }
    const lease = leaseSettings(call.lease);
    const tokens = read?.tokens ?? [];
    const needTokens = !read || tokens.some((t) => t === undefined);
    if (lease === false) return loadAndStore(key, loader, call, needTokens ? [] : tokens, undefined);

    const entryKey = deps.keys.cache(namespace, key);
    const leaseToken = newLeaseToken();
    const taken = note(await backend.acquireLease(entryKey, leaseToken, lease.ttlMs, needTokens ? { namespace, tags } : undefined));
    const captured = taken.tokens ?? tokens;
    if (taken.won) return loadAndStore(key, loader, call, captured, taken.backend === "redis" ? leaseToken : undefined);

    // Another instance is loading: wait for its value, then fall back to loading without writing.
    const deadline = deps.clock.now() + lease.waitMs;
    for (let attempt = 0; deps.clock.now() < deadline; attempt++) {
      await sleep(Math.min(POLL_DELAYS_MS[attempt] ?? 250, Math.max(0, deadline - deps.clock.now())));
      const polled = toLookup<T>(note(await backend.read(namespace, key, tags, false)), key);
      if (polled.status !== "miss") return polled.value as T;
      if (polled.backend === "memory") break;
    }
    return await loader();
  }

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

    getOrSet<T>(key: string, loader: () => Promise<T> | T, call: GetOrSetOptions = {}): Promise<T> {
      const flightKey = `${deps.keys.cache(namespace, key)}\n${(call.tags ?? []).join("\n")}`;
      const existing = call.forceFresh ? undefined : inflight.get(flightKey);
      if (existing) return existing as Promise<T>;
      const promise = fill(key, loader, call).finally(() => {
        if (inflight.get(flightKey) === promise) inflight.delete(flightKey);
      });
      inflight.set(flightKey, promise);
      return promise;
    },

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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
