/**
 * What every namespace of one cache shares (the memory fallback, the single-flight map, the local
 * state, the backend's deps) and the per-namespace helpers both cache objects are built from: the
 * gates' `GateCache` (gate-cache.ts) and the whole `Cache` (cache.ts). A Kit builds the state once, so
 * completing a gate kit (lib/kit.ts `completeKit`) gives a Cache over the very same state.
 */
import { toMs } from "../duration";
import type { BackendDeps, BackendInfo } from "./backend-types";
import { decodeValue } from "./codec";
import type { CacheEnvelope, EntryOutcome } from "./envelope";
import type { Flight } from "./get-or-set";
import { MemoryStore } from "./memory-store";
import type { CacheDeps, CacheLocalState, CacheLookup, CacheOptions, LeaseOptions } from "./types";

export const DEFAULT_LEASE = { ttlMs: 5000, waitMs: 3000 } as const;
const VERSION_TTL_SECONDS = 31 * 86_400;
/** Distinct undecodable entries logged per cache (each is also counted in `corruptReads`). */
const MAX_CORRUPT_WARNINGS = 100;

export interface CacheState {
  backend: BackendDeps;
  memory: MemoryStore;
  inflight: Map<string, Flight>;
  local: CacheLocalState;
  /** Entry keys already logged as undecodable (bounded). */
  corruptWarned: Set<string>;
}

export function createCacheState(deps: CacheDeps, options: CacheOptions = {}): CacheState {
  const memory = new MemoryStore({ maxEntries: options.memory === false ? 0 : (options.memory?.maxEntries ?? 1000) });
  const local: CacheLocalState = { memoryEntries: 0, degraded: undefined, memoryReads: { hits: 0, stale: 0, misses: 0 }, corruptReads: 0 };
  const backend: BackendDeps = {
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
  };
  return { backend, memory, inflight: new Map(), local, corruptWarned: new Set() };
}

/** The helpers of one namespace that reads, fills and writes share. */
export interface NamespaceBase {
  namespace: string;
  /** Clears the last degraded reason once Redis answers again; returns `result`. */
  note<R extends BackendInfo>(result: R): R;
  toLookup<T>(read: BackendInfo & { outcome: EntryOutcome; entry?: CacheEnvelope }, key?: string): CacheLookup<T>;
  leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number };
}

export function namespaceBase(state: CacheState, options: CacheOptions): NamespaceBase {
  const namespace = options.namespace ?? "default";
  const { local } = state;

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
    if (state.corruptWarned.has(id) || state.corruptWarned.size >= MAX_CORRUPT_WARNINGS) return;
    state.corruptWarned.add(id);
    console.warn(`[edge-kit] cache entry "${key ?? "?"}" in namespace "${namespace}" is unreadable; treated as a miss and refilled:`, why);
  }

  function leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number } {
    const chosen = call ?? options.lease;
    if (chosen === false) return false;
    // Whole ms: SET … PX rejects fractions.
    const ttlMs = chosen?.ttl !== undefined ? Math.max(1, Math.ceil(toMs(chosen.ttl))) : DEFAULT_LEASE.ttlMs;
    return { ttlMs, waitMs: chosen?.wait !== undefined ? toMs(chosen.wait) : DEFAULT_LEASE.waitMs };
  }

  return { namespace, note, toLookup, leaseSettings };
}
