/**
 * The gate's cache lookup (issue 10): CACHE_LOOKUP in one EVALSHA — the read and, unless the entry is
 * a fresh hit, the fill lease with the missing version keys. Stats are the caller's to count. Degraded, the
 * per-instance memory store answers and every caller "wins" the lease (fail-open: load without
 * coordination, nothing to release), as `acquireLease` does.
 */
import { runScript } from "../redis";
import { asToken, leaseKey } from "./backend-lease";
import type { BackendDeps, BackendInfo, CacheDegradedReason } from "./backend-types";
import { guardedBackend } from "./backend-guard";
import { asEnvelope, type CacheEnvelope, type EntryOutcome } from "./envelope";
import { CACHE_LOOKUP } from "./lookup-script";
import { newToken } from "./memory-store";

export interface LookupOrLeaseOptions {
  /** Lease token the caller claims to hold (a revalidation it sent); "" = none. */
  proof: string;
  /** Token to take the lease with unless the entry is a fresh hit; "" = take none. */
  leaseToken: string;
  leaseMs: number;
}

export interface LookupOrLeaseResult extends BackendInfo {
  /** `proven`: the proof token holds the lease; nothing else was read. */
  outcome: EntryOutcome | "proven";
  entry?: CacheEnvelope;
  /** The lease is the caller's (taken now, proven, or degraded fail-open). */
  leased: boolean;
  /** A pass marker holds the lease (the last fill was not storable): go to the origin, do not wait. */
  passed?: true;
  /** Namespace then tag version tokens (after creating missing ones when the lease was taken). */
  tokens: (string | undefined)[];
}

export function lookupOrLease(
  deps: BackendDeps,
  namespace: string,
  key: string,
  versionKeys: readonly string[],
  options: LookupOrLeaseOptions,
): Promise<LookupOrLeaseResult> {
  const { keys, clock, memory, versionTtlSeconds } = deps;
  const entryKey = keys.cache(namespace, key);
  const local = (degraded: CacheDegradedReason): LookupOrLeaseResult => {
    const { outcome, entry } = memory.read(entryKey, versionKeys[0]!, clock.now());
    return { outcome, entry, leased: outcome !== "hit", tokens: versionKeys.map(() => undefined), backend: "memory", degraded };
  };
  return guardedBackend(deps, "cache.lookup", local, async (redis) => {
    // One fresh token serves every missing version key of this lookup (each key only needs a value it never held before).
    const fresh = newToken();
    const args = [clock.now(), options.proof, options.leaseToken, Math.ceil(options.leaseMs), versionTtlSeconds, ...versionKeys.map(() => fresh)];
    const [outcome, raw, leased, ...tokens] = await runScript(redis, CACHE_LOOKUP, [entryKey, leaseKey(entryKey), ...versionKeys], args);
    const entry = asEnvelope(raw);
    return {
      outcome: (outcome as EntryOutcome | "proven") ?? "corrupt",
      ...(entry ? { entry } : {}),
      leased: Number(leased) === 1,
      ...(Number(leased) === 2 ? { passed: true as const } : {}),
      tokens: tokens.map(asToken),
      backend: "redis",
    } satisfies LookupOrLeaseResult;
  });
}
