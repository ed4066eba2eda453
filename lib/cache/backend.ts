/**
 * The cache's storage operations against Redis, each through guard() (the kit's only try/catch
 * around Redis), each with its degraded twin on the per-instance memory store. Round trips, as
 * measured by test/lib/cache/round-trips.test.ts:
 *
 * | operation                       | HTTP requests | commands                                  |
 * |---------------------------------|---------------|-------------------------------------------|
 * | read (hit, stale or miss)       | 1             | 1 EVALSHA (GETs + decision + HINCRBY)     |
 * | gate lookup (read + lease)      | 1             | 1 EVALSHA (+ SET NX PX unless a fresh hit)|
 * | reads of n keys (mget)          | 1             | n EVALSHA, auto-pipelined                 |
 * | write of n entries (set, mset)  | 1             | 1 EVALSHA                                 |
 * | lease (+ missing version keys)  | 1             | SET NX PX (+ 1 EVALSHA)                   |
 * | write + lease release           | 1             | 2 EVALSHA                                 |
 * | delete / tag / namespace bump   | 1             | DEL / one SET per version key             |
 */
import { COMPARE_AND_DELETE, runScript, type CacheRedis, type ScriptArg } from "../redis";
import { guardedBackend } from "./backend-guard";
import { acquireLease, asToken, cacheWriteArgs, holdsLease, leaseKey, releaseLease, versionKeys } from "./backend-lease";
import {
  type BackendDeps,
  type BackendInfo,
  type CacheDegradedReason,
  type LeaseResult,
  type PendingEntry,
  type ReadResult,
  type VersionStamp,
  type WriteResult,
} from "./backend-types";
import { lookupOrLease, type LookupOrLeaseOptions, type LookupOrLeaseResult } from "./lookup-or-lease";
import { scanDelete, type PrefixDeleteResult, type ScanDeleteBounds } from "./scan-delete";
import { asEnvelope, type CacheEnvelope, type EntryOutcome } from "./envelope";
import { newToken } from "./memory-store";
import { CACHE_LEASE_PASS } from "./lease-pass-script";
import { CACHE_READ, CACHE_WRITE } from "./scripts";

export { capturedStamp } from "./backend-types";
export type {
  BackendDeps,
  BackendInfo,
  CacheBackendName,
  CacheDegradedReason,
  LeaseResult,
  PendingEntry,
  ReadResult,
  VersionStamp,
  WriteResult,
} from "./backend-types";
export type { PrefixDeleteResult, ScanDeleteBounds };
export { asToken, leaseKey } from "./backend-lease";

export class CacheBackend {
  constructor(private readonly deps: BackendDeps) {}

  versionKeys(namespace: string, tags: readonly string[]): string[] {
    return versionKeys(this.deps, namespace, tags);
  }

  async read(namespace: string, key: string, tags: readonly string[], count: boolean): Promise<ReadResult> {
    const { keys, clock, memory } = this.deps;
    const entryKey = keys.cache(namespace, key);
    const versionKeys = this.versionKeys(namespace, tags);
    const local = (degraded: CacheDegradedReason): ReadResult => {
      const { outcome, entry } = memory.read(entryKey, versionKeys[0]!, clock.now());
      return { outcome, entry, tokens: versionKeys.map(() => undefined), backend: "memory", degraded };
    };
    return this.#guarded("cache.read", local, async (redis) => {
      const reply = await runScript(redis, CACHE_READ, [entryKey, keys.cacheStats(), ...versionKeys], [clock.now(), count ? "1" : "0"]);
      const [outcome, raw, ...tokens] = reply;
      const entry = asEnvelope(raw);
      return {
        outcome: (outcome as EntryOutcome) ?? "corrupt",
        ...(entry ? { entry } : {}),
        tokens: tokens.map(asToken),
        backend: "redis",
      } satisfies ReadResult;
    });
  }

  /** The read and, unless it is a fresh hit, the fill lease, in one script (lookup-or-lease.ts). */
  lookupOrLease(namespace: string, key: string, tags: readonly string[], options: LookupOrLeaseOptions): Promise<LookupOrLeaseResult> {
    return lookupOrLease(this.deps, namespace, key, this.versionKeys(namespace, tags), options);
  }

  async write(namespace: string, tags: readonly string[], entries: readonly PendingEntry[], stamp: VersionStamp): Promise<WriteResult> {
    const versionKeys = this.versionKeys(namespace, tags);
    return this.#guarded("cache.write", (degraded) => this.#writeLocally(versionKeys, entries, degraded), async (redis) => {
      const [written] = await runScript(redis, CACHE_WRITE, [...versionKeys, ...entries.map((e) => e.key)], this.#writeArgs(versionKeys, entries, stamp));
      return { written: Number(written), backend: "redis" } satisfies WriteResult;
    });
  }

  /**
   * A write whose version tokens were not captured before loading (degraded read, lost lease, empty
   * ticket): kept in this instance's memory store only, never written to Redis as valid.
   */
  writeUnshared(namespace: string, tags: readonly string[], entries: readonly PendingEntry[]): WriteResult {
    const result = this.#writeLocally(this.versionKeys(namespace, tags), entries, this.deps.redis ? undefined : "no-redis");
    return { ...result, unshared: "no-ticket" };
  }

  /**
   * The current tokens of the namespace and `tags`, creating the missing ones (CACHE_WRITE without
   * entries): captured BEFORE a loader runs, they let its value be written with a `captured` stamp.
   * Degraded: no tokens (the value can then only be kept in memory).
   */
  async ensureVersions(namespace: string, tags: readonly string[]): Promise<BackendInfo & { tokens?: (string | undefined)[] }> {
    const versionKeys = this.versionKeys(namespace, tags);
    return this.#guarded<BackendInfo & { tokens?: (string | undefined)[] }>("cache.versions", (degraded) => ({ backend: "memory", degraded }), async (redis) => {
      const reply = await runScript(redis, CACHE_WRITE, versionKeys, this.#writeArgs(versionKeys, [], { kind: "current" }));
      return { tokens: reply.slice(1).map(asToken), backend: "redis" };
    });
  }

  /** Takes the fill lease, creating the missing version keys (backend-lease.ts). */
  acquireLease(entryKey: string, token: string, leaseMs: number, ensure?: { namespace: string; tags: readonly string[] }): Promise<LeaseResult> {
    return acquireLease(this.deps, entryKey, token, leaseMs, ensure);
  }

  /** Writes the loader's value stamped with the captured tokens and releases the lease: one HTTP request. */
  async writeAndRelease(
    namespace: string,
    tags: readonly string[],
    entries: readonly PendingEntry[],
    stamp: VersionStamp,
    lease: { entryKey: string; token: string },
  ): Promise<WriteResult> {
    const versionKeys = this.versionKeys(namespace, tags);
    return this.#guarded("cache.write", (degraded) => this.#writeLocally(versionKeys, entries, degraded), async (redis) => {
      const write = runScript(redis, CACHE_WRITE, [...versionKeys, ...entries.map((e) => e.key)], this.#writeArgs(versionKeys, entries, stamp));
      const release = runScript(redis, COMPARE_AND_DELETE, [leaseKey(lease.entryKey)], [lease.token]);
      const [[written]] = await Promise.all([write, release]);
      return { written: Number(written), backend: "redis" } satisfies WriteResult;
    });
  }

  /** Gives a lease back without writing (backend-lease.ts). */
  releaseLease(entryKey: string, token: string): Promise<BackendInfo> {
    return releaseLease(this.deps, entryKey, token);
  }

  /** Turns the lease `token` holds into a pass marker for `ms` (lease-pass-script.ts); degraded: nothing to pass. */
  passLease(entryKey: string, token: string, ms: number): Promise<BackendInfo> {
    return this.#guarded<BackendInfo>("cache.pass", (degraded) => ({ backend: "memory", degraded }), async (redis) => {
      await runScript(redis, CACHE_LEASE_PASS, [leaseKey(entryKey)], [token, Math.max(1, Math.ceil(ms))]);
      return { backend: "redis" };
    });
  }

  /** Whether `token` still holds the lease of `entryKey` (backend-lease.ts). */
  holdsLease(entryKey: string, token: string): Promise<boolean> {
    return holdsLease(this.deps, entryKey, token);
  }

  async delete(entryKeys: readonly string[]): Promise<BackendInfo & { deleted: number }> {
    const deletedLocally = this.deps.memory.delete(entryKeys);
    if (entryKeys.length === 0) return { deleted: 0, backend: this.deps.redis ? "redis" : "memory" };
    return this.#guarded<BackendInfo & { deleted: number }>("cache.delete", (degraded) => ({ deleted: deletedLocally, backend: "memory", degraded }), async (redis) => {
      const deleted = await redis.del(...entryKeys);
      return { deleted, backend: "redis" };
    });
  }

  /** New random tokens for these version keys: every entry stamped with the old ones becomes a miss. */
  async bump(versionKeys: readonly string[]): Promise<BackendInfo> {
    this.deps.memory.bump(versionKeys);
    const ttl = this.deps.versionTtlSeconds;
    return this.#guarded<BackendInfo>("cache.invalidate", (degraded) => ({ backend: "memory", degraded }), async (redis) => {
      await Promise.all(versionKeys.map((k) => redis.set(k, newToken(), { ex: ttl })));
      return { backend: "redis" };
    });
  }

  /** SCAN MATCH + UNLINK, bounded and resumable from `bounds.cursor` (scan-delete.ts). */
  scanDelete(pattern: string, memoryPrefix: string, bounds: ScanDeleteBounds): Promise<PrefixDeleteResult> {
    return scanDelete(this.deps, pattern, memoryPrefix, bounds);
  }

  #writeLocally(versionKeys: readonly string[], entries: readonly PendingEntry[], degraded: CacheDegradedReason | undefined): WriteResult {
    for (const e of entries) {
      const entry = JSON.parse(`${e.head}}`) as Omit<CacheEnvelope, "n" | "g">;
      this.deps.memory.write(e.key, entry, versionKeys[0]!, versionKeys.slice(1));
    }
    return { written: entries.length, backend: "memory", ...(degraded ? { degraded } : {}) };
  }

  #writeArgs(versionKeys: readonly string[], entries: readonly PendingEntry[], stamp: VersionStamp): ScriptArg[] {
    return cacheWriteArgs(this.deps, versionKeys, entries, stamp);
  }

  #guarded<T>(name: string, local: (reason: CacheDegradedReason) => T, operation: (redis: CacheRedis, signal: AbortSignal) => Promise<NoInfer<T>>): Promise<T> {
    return guardedBackend(this.deps, name, local, operation);
  }
}
