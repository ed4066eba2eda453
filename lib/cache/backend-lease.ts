/**
 * The fill lease's storage operations — take it (creating missing version keys), give it back, check
 * it — as functions of the backend's deps rather than CacheBackend methods: the gates' cache
 * (gate-cache.ts) calls them directly, so Next's middleware bundle, which only looks up and leases,
 * carries none of the write, delete and invalidation paths a class would bring along (README
 * "Bundle budget"). CacheBackend delegates to them, so both sides run the same code.
 */
import { COMPARE_AND_DELETE, runScript, type ScriptArg } from "../redis";
import { guardedBackend } from "./backend-guard";
import { capturedStamp, type BackendDeps, type BackendInfo, type CacheDegradedReason, type LeaseResult, type PendingEntry, type VersionStamp } from "./backend-types";
import { newToken } from "./memory-store";
import { CACHE_WRITE } from "./scripts";

/** The namespace's version key, then one per tag: the order every script and stamp uses. */
export function versionKeys(deps: Pick<BackendDeps, "keys">, namespace: string, tags: readonly string[]): string[] {
  return [deps.keys.cacheNamespaceVersion(namespace), ...tags.map((t) => deps.keys.cacheTag(t))];
}

/**
 * Takes the fill lease of `entryKey` (SET NX PX) and, in the same HTTP request, creates the
 * version keys that are still missing, so the loader's value can be stamped with tokens captured
 * BEFORE it ran. Degraded: every caller "wins" (fail-open: load without coordination).
 */
export function acquireLease(
  deps: BackendDeps,
  entryKey: string,
  token: string,
  leaseMs: number,
  ensure?: { namespace: string; tags: readonly string[] },
): Promise<LeaseResult> {
  const local = (degraded: CacheDegradedReason): LeaseResult => ({ won: true, backend: "memory", degraded });
  return guardedBackend(deps, "cache.lease", local, async (redis) => {
    const lease = redis.set(leaseKey(entryKey), token, { nx: true, px: leaseMs });
    const keys = ensure ? versionKeys(deps, ensure.namespace, ensure.tags) : [];
    const created = ensure ? runScript(redis, CACHE_WRITE, keys, cacheWriteArgs(deps, keys, [], { kind: "current" })) : undefined;
    const [won, tokens] = await Promise.all([lease, created]);
    return { won: won === "OK", ...(tokens ? { tokens: tokens.slice(1).map(asToken) } : {}), backend: "redis" } satisfies LeaseResult;
  });
}

/** Gives a lease back without writing (loader failed, response not cacheable). */
export function releaseLease(deps: BackendDeps, entryKey: string, token: string): Promise<BackendInfo> {
  return guardedBackend<BackendInfo>(deps, "cache.release", (degraded) => ({ backend: "memory", degraded }), async (redis) => {
    await runScript(redis, COMPARE_AND_DELETE, [leaseKey(entryKey)], [token]);
    return { backend: "redis" } satisfies BackendInfo;
  });
}

/** Whether `token` still holds the lease of `entryKey` (a revalidation request proving it was sent by us). */
export function holdsLease(deps: BackendDeps, entryKey: string, token: string): Promise<boolean> {
  return guardedBackend(deps, "cache.lease-check", () => false, async (redis) => {
    const holder = await redis.get<unknown>(leaseKey(entryKey));
    return holder !== null && String(holder) === token;
  });
}

/** CACHE_WRITE's arguments: how many version keys, their TTL, one spec per key (`=token` or `+new`), then entries. */
export function cacheWriteArgs(
  deps: Pick<BackendDeps, "versionTtlSeconds">,
  keys: readonly string[],
  entries: readonly PendingEntry[],
  stamp: VersionStamp,
): ScriptArg[] {
  if (stamp.kind === "captured" && !capturedStamp(stamp.tokens, keys.length)) {
    throw new TypeError(`cache write: ${stamp.tokens.length} captured tokens for ${keys.length} version keys`);
  }
  const specs = keys.map((_, i) => (stamp.kind === "captured" ? `=${stamp.tokens[i]}` : `+${newToken()}`));
  return [keys.length, deps.versionTtlSeconds, ...specs, ...entries.flatMap((e) => [e.head, e.px])];
}

/** The fill lease of an entry: `{entry key}:lease` (an encoded key part never contains `:`, so no entry can collide). */
export function leaseKey(entryKey: string): string {
  return `${entryKey}:lease`;
}

export function asToken(value: unknown): string | undefined {
  return value === null || value === undefined || value === false ? undefined : String(value);
}
