/**
 * lib/lock — distributed locks for serverless and edge code over Upstash's HTTP Redis.
 *
 * ```ts
 * const locks = createLocks(kit);
 * const result = await locks.withLock("ingest-permits", async ({ lease, signal }) => {
 *   await db.write(rows, { fence: lease.fence }); // the resource rejects fences lower than it has seen
 * }, { lease: DEFAULT_TTLS.lock.requestLeaseMs, retry: { attempts: 10, delay: "50 ms", maxWait: "2 s" } });
 * ```
 *
 * What a lock on ONE Upstash database guarantees:
 * - Mutual exclusion among holders whose leases have not expired, as long as the primary keeps
 *   the key: acquire is one atomic script (`SET NX PX` + `INCR` fence), release and extend are
 *   owner-token compare-and-set scripts, all in milliseconds (PX/PEXPIRE). Tested with several
 *   processes contending (test/lib/lock/lock-processes.test.ts).
 * - A fencing number per lock name that increases on every grant.
 * - Acquire is idempotent by owner token, so an SDK retry after a lost answer does not block itself;
 *   an acquire that fails anyway (no SDK retry, or a timeout) releases its token in the background,
 *   so the caller's next try is not locked out for the whole lease by its own orphaned grant.
 *
 * What it does NOT guarantee (idempotency-locks-dedupe.md §5, Kleppmann 2016):
 * - Exclusion in time. A holder that pauses (GC, a frozen serverless instance: timers do not run,
 *   so nothing renews) past its lease keeps running while the next holder works. Only the
 *   *resource* can stop it: pass `lease.fence` and have the resource reject lower fences
 *   (`UPDATE … WHERE last_fence < $fence`, a guarded Lua write, or an idempotency key derived
 *   from the fence for third-party APIs).
 * - Survival of a failover. Upstash replicates asynchronously: a just-granted lock (and the last
 *   fence increments) can be lost, so two holders — even equal fences — are possible after a
 *   failover. Fences plus downstream idempotency keep that harmless; the lock alone does not.
 * - Survival of eviction. With eviction enabled, keys with a TTL (every lease) go first. Keep
 *   eviction off on the database that holds locks, or use a separate database.
 * Use it for efficiency (avoid duplicate work) as is; for correctness, only with fence checks.
 *
 * Degraded behaviour: acquire is fail-closed (throws E_REDIS_* → 503); release/extend never throw on
 * an outage and answer `reason: "unavailable"` (the lease then ends by itself). With no Redis at all
 * (memory mode) locks are per instance and every lease says `shared: false`.
 * Counters (`readCounts(kit, "lock")`): acquired, contended, notAcquired, waitMs, released,
 * extended, lost, degraded, orphanReleased.
 */
import type { Kit } from "../kit";
import { acquireLock, lockRuntime } from "./locks";
import type { AcquireLockOptions, AcquireLockResult, LockContext, LocksOptions, WithLockOptions } from "./types";
import { withLock } from "./with-lock";

export interface Locks {
  /** One acquisition (with retries): a Lease, or who holds the lock. Throws only when Redis is unreachable. */
  acquireLock(name: string, options?: AcquireLockOptions): Promise<AcquireLockResult>;
  /** Acquire, run `fn` with auto-renewal, always release; throws LockNotAcquiredError when held. */
  withLock<T>(name: string, fn: (ctx: LockContext) => Promise<T> | T, options?: WithLockOptions): Promise<T>;
}

/** Locks over `kit` (no I/O; cheap to call per request). */
export function createLocks(kit: Kit, options: LocksOptions = {}): Locks {
  const rt = lockRuntime(kit, options);
  return Object.freeze({
    acquireLock: (name: string, opts?: AcquireLockOptions) => acquireLock(rt, name, opts),
    withLock: <T>(name: string, fn: (ctx: LockContext) => Promise<T> | T, opts?: WithLockOptions) => withLock(rt, name, fn, opts),
  });
}

export { LockNotAcquiredError, LockLostError } from "./errors";
export { LOCK_COUNTER, MIN_LEASE_MS } from "./locks";
export { retryDelayMs } from "./backoff";
export { LOCK_ACQUIRE, LOCK_RELEASE, LOCK_EXTEND } from "./scripts";
export type {
  AcquireLockOptions,
  AcquireLockResult,
  ExtendResult,
  Lease,
  LockContext,
  LockHolder,
  LockRetryOptions,
  LocksOptions,
  ReleaseResult,
  WithLockOptions,
} from "./types";
