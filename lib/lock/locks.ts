/**
 * `createLocks(kit)`: owner-token leases with fencing numbers over one Upstash database.
 *
 * What this gives (and what it cannot): see the module doc in ./index.ts.
 */
import { toMs, type Duration } from "../duration";
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import { recordCounts, type CounterFields } from "../observability";
import { guard, type GuardCommonOptions } from "../resilience";
import { retryDelayMs, sleep } from "./backoff";
import { memoryLockStore, redisLockStore, type LockStore } from "./store";
import type { AcquireReply } from "./scripts";
import type {
  AcquireLockOptions,
  AcquireLockResult,
  ExtendResult,
  Lease,
  LockHolder,
  LockRetryOptions,
  LocksOptions,
  ReleaseResult,
} from "./types";
import { toHex } from "../hex";

/** Shortest lease accepted: below this the lease ends before the answer that grants it arrives. */
export const MIN_LEASE_MS = 10;
const MAX_HOLDER_LENGTH = 128;
/** The counter hash (`kit:counter:lock`) every instance adds to; read with `readCounts(kit, "lock")`. */
export const LOCK_COUNTER = "lock";

// Memory mode: one map per Kit (per isolate), not per createLocks() call, or two calls would not exclude each other.
const memoryStores = new WeakMap<Kit, LockStore>();

/** Internals shared by acquire, the lease handle and withLock. */
export interface LockRuntime {
  readonly kit: Kit;
  readonly store: LockStore;
  guardOptions(name: string): GuardCommonOptions;
  count(fields: CounterFields, waitUntil?: (p: Promise<unknown>) => void): void;
}

export function lockRuntime(kit: Kit, options: LocksOptions = {}): LockRuntime {
  let store: LockStore;
  if (kit.redis) store = redisLockStore(kit.redis);
  else {
    store = memoryStores.get(kit) ?? memoryLockStore(kit.clock);
    memoryStores.set(kit, store);
  }
  return {
    kit,
    store,
    guardOptions: (name) => ({
      name,
      timeoutMs: kit.config.redisCommandTimeoutMs,
      breaker: store.shared ? (kit.breaker ?? false) : false,
      clock: kit.clock,
      ...(options.emit ? { emit: options.emit } : {}),
    }),
    count(fields, waitUntil) {
      const write = recordCounts(kit, LOCK_COUNTER, fields);
      waitUntil?.(write);
    },
  };
}

function randomToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

function leaseMsOf(duration: Duration, what: string): number {
  const ms = Math.round(toMs(duration));
  if (ms < MIN_LEASE_MS) throw new RangeError(`${what} must be at least ${MIN_LEASE_MS} ms, got ${ms} ms`);
  return ms;
}

/**
 * Tries to take lock `name`. Fail-closed: when Redis is unreachable it throws (E_REDIS_UNAVAILABLE,
 * E_REDIS_TIMEOUT, E_CIRCUIT_OPEN → HTTP 503), never "acquires" without Redis.
 */
export async function acquireLock(rt: LockRuntime, name: string, options: AcquireLockOptions = {}): Promise<AcquireLockResult> {
  const { kit, store } = rt;
  const leaseMs = leaseMsOf(options.lease ?? DEFAULT_TTLS.lock.jobLeaseMs, "lease");
  const retry: LockRetryOptions = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const attempts = retry.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retry.attempts must be an integer >= 1, got ${attempts}`);
  const delayMs = toMs(retry.delay ?? "200 ms");
  const maxWaitMs = retry.maxWait === undefined ? Number.POSITIVE_INFINITY : toMs(retry.maxWait);
  if (options.holder !== undefined && (options.holder.length === 0 || options.holder.length > MAX_HOLDER_LENGTH)) {
    throw new RangeError(`holder must be 1-${MAX_HOLDER_LENGTH} characters`);
  }
  const key = kit.keys.lock(name);
  const fenceKey = kit.keys.lockFence(name);
  const token = options.holder ? `${randomToken()}#${options.holder}` : randomToken();
  const startedAt = kit.clock.now();
  let heldBy: LockHolder = { holder: null, fence: 0, expiresInMs: 0 };
  let tries = 0;

  while (tries < attempts) {
    tries++;
    const sentAt = kit.clock.now();
    let reply: AcquireReply;
    try {
      ({ value: reply } = await guard(() => store.acquire(key, fenceKey, token, leaseMs), { ...rt.guardOptions("lock.acquire"), failPolicy: "closed" }));
    } catch (err) {
      releaseOrphan(rt, key, token, options.waitUntil);
      throw err;
    }
    const waitedMs = kit.clock.now() - startedAt;
    if (reply[0] === 1) {
      const lease = createLease(rt, { name, token, fence: Number(reply[1]), leaseMs, validUntil: sentAt + leaseMs }, options.waitUntil);
      rt.count({ acquired: 1, ...(tries > 1 ? { contended: 1, waitMs: waitedMs } : {}) }, options.waitUntil);
      return { acquired: true, lease, attempts: tries, waitedMs };
    }
    heldBy = { holder: reply[3] === "" ? null : reply[3], fence: Number(reply[1]), expiresInMs: Number(reply[2]) };
    if (tries >= attempts) break;
    let wait = retryDelayMs(delayMs, tries - 1);
    if (heldBy.expiresInMs >= 0) wait = Math.min(wait, heldBy.expiresInMs + 1);
    const left = maxWaitMs - waitedMs;
    if (left <= 0) break;
    await sleep(Math.min(wait, left));
  }
  const waitedMs = kit.clock.now() - startedAt;
  rt.count({ contended: 1, notAcquired: 1, waitMs: waitedMs }, options.waitUntil);
  return { acquired: false, heldBy, attempts: tries, waitedMs };
}

/**
 * An acquire that failed may still have run: the reply was lost on its way back (REDIS_RETRIES=0),
 * or timed out after Redis applied it. The lock would then hold our token, and block every caller —
 * this caller's own retry included — for the whole lease although nothing runs under it. So the
 * token is released right away, off the caller's path (LOCK_RELEASE deletes only a lock holding this
 * token, so it is a no-op when the acquire never ran). Left open: after a timeout the acquire can
 * still be queued at the server when the release runs; then the lock lapses with its lease.
 */
function releaseOrphan(rt: LockRuntime, key: string, token: string, waitUntil?: (p: Promise<unknown>) => void): void {
  const done = guard(() => rt.store.release(key, token), { ...rt.guardOptions("lock.release"), failPolicy: "open", fallback: () => 0 as const }).then(
    ({ value }) => {
      if (value === 1) rt.count({ orphanReleased: 1 }, waitUntil);
    },
    (err: unknown) => console.warn(`[edge-kit] lock: releasing a possibly orphaned acquire on ${key} failed; it lapses with its lease`, err),
  );
  if (waitUntil) waitUntil(done);
}

interface LeaseState {
  name: string;
  token: string;
  fence: number;
  leaseMs: number;
  validUntil: number;
}

function createLease(rt: LockRuntime, state: LeaseState, waitUntil?: (p: Promise<unknown>) => void): Lease {
  const { kit, store } = rt;
  const key = kit.keys.lock(state.name);
  const lease: Lease = {
    ...state,
    shared: store.shared,
    async release(): Promise<ReleaseResult> {
      const { value, degraded } = await guard(() => store.release(key, state.token), {
        ...rt.guardOptions("lock.release"),
        failPolicy: "open",
        fallback: () => -1 as const,
      });
      if (degraded) {
        rt.count({ degraded: 1 }, waitUntil);
        return { released: false, reason: "unavailable", degraded };
      }
      if (value === 1) {
        rt.count({ released: 1 }, waitUntil);
        return { released: true };
      }
      rt.count({ lost: 1 }, waitUntil);
      return { released: false, reason: "lost" };
    },
    async extend(duration?: Duration): Promise<ExtendResult> {
      const leaseMs = duration === undefined ? state.leaseMs : leaseMsOf(duration, "extend(lease)");
      const sentAt = kit.clock.now();
      const { value, degraded } = await guard(() => store.extend(key, state.token, leaseMs), {
        ...rt.guardOptions("lock.extend"),
        failPolicy: "open",
        fallback: () => -1,
      });
      if (degraded) {
        rt.count({ degraded: 1 }, waitUntil);
        return { extended: false, reason: "unavailable", degraded };
      }
      if (Number(value) > 0) {
        rt.count({ extended: 1 }, waitUntil);
        return { extended: true, lease: createLease(rt, { ...state, leaseMs, validUntil: sentAt + leaseMs }, waitUntil) };
      }
      rt.count({ lost: 1 }, waitUntil);
      return { extended: false, reason: "lost" };
    },
  };
  return Object.freeze(lease);
}
