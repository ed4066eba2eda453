/**
 * The gates' cache: per namespace, only `fill.begin` / `acquire` / `release` — the lookup and the
 * fill lease the cache gate runs. A `GateKit` (lib/kit.ts) holds one of these instead of the whole
 * Cache, so Next's middleware bundle leaves out getOrSet, the writes and the invalidations it never
 * runs (README "Bundle budget"). Same state, same code paths as the whole cache's fill (fill.ts).
 */
import { DEFAULT_LEASE, namespaceBase, type CacheState } from "./cache-state";
import { createFillLease } from "./fill";
import type { CacheOptions, GateCache } from "./types";

/** The gate cache of `options.namespace` over `state` (createCacheState; a Kit's, in lib/kit.ts). */
export function gateCacheOver(state: CacheState, options: CacheOptions): GateCache {
  const base = namespaceBase(state, options);
  return {
    namespace: base.namespace,
    fill: createFillLease({ ...base, deps: state.backend, defaultLeaseMs: DEFAULT_LEASE.ttlMs }),
    withNamespace(name, defaults = {}) {
      return gateCacheOver(state, { ...options, ...defaults, namespace: name });
    },
  };
}
