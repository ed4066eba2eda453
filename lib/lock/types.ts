/**
 * Public types of lib/lock. A lease is an immutable value: extending returns a new handle, so no
 * call ever mutates shared state on an object (code-style anti-pattern 10, upstash/lock's
 * `this.config.lease = lease`).
 */
import type { Duration } from "../duration";
import type { DegradedReason, EmitResilienceEvent } from "../resilience";

/** How to retry while the lock is held by someone else. */
export interface LockRetryOptions {
  /**
   * Tries in all, the first included.
   * @default 3 (as @upstash/lock and the seed backends)
   */
  attempts?: number;
  /**
   * Wait before the 2nd try; doubles on each later try (capped at 8×), each wait jittered to
   * 50-100 % so contenders spread out instead of retrying in lockstep. A wait never exceeds the
   * holder's remaining lease (+1 ms): no point sleeping past the moment it must be free.
   * @default "200 ms"
   */
  delay?: Duration;
  /**
   * Upper bound on the total time spent waiting, whatever attempts remain. Use it to answer
   * within a request budget (POST /permits/ingest waits at most this, then 503).
   * @default unbounded (attempts × delays)
   */
  maxWait?: Duration;
}

export interface AcquireLockOptions {
  /**
   * How long the lock is held unless extended or released; millisecond precision (PX/PEXPIRE).
   * @default DEFAULT_TTLS.lock.jobLeaseMs (5 min). Use DEFAULT_TTLS.lock.requestLeaseMs (15 s)
   *   for locks held within one request, so a crashed function frees the lock quickly.
   */
  lease?: Duration;
  /** `false` = one try only. @default { attempts: 3, delay: "200 ms" } */
  retry?: false | LockRetryOptions;
  /**
   * A label contenders see in `heldBy.holder` (e.g. `"ingest-job"`, a hostname). Not secret, not
   * used for ownership: the random part of the token is. Must not contain "#".
   */
  holder?: string;
  /** Hand the fire-and-forget counter writes to the platform (Next `event.waitUntil`, workerd ctx). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** Who holds a lock we could not get. */
export interface LockHolder {
  /** The holder's label, or null when it set none. */
  holder: string | null;
  /** The lock's current fencing number (the holder's, unless its lease ended just now). */
  fence: number;
  /** Time until the holder's lease ends unless extended; -1 if the lock has no expiry. */
  expiresInMs: number;
}

export type AcquireLockResult =
  | { acquired: true; lease: Lease; attempts: number; waitedMs: number }
  | { acquired: false; heldBy: LockHolder; attempts: number; waitedMs: number };

export type ReleaseResult =
  | { released: true }
  /** The lease had already ended (expired, maybe taken over): whatever you did may have overlapped. */
  | { released: false; reason: "lost" }
  /** Redis was unreachable: the lease will end on its own at the latest at its expiry. */
  | { released: false; reason: "unavailable"; degraded: DegradedReason };

export type ExtendResult =
  | { extended: true; lease: Lease }
  | { extended: false; reason: "lost" }
  /** Redis was unreachable: the lease may or may not still be yours; act as if it ends at `validUntil`. */
  | { extended: false; reason: "unavailable"; degraded: DegradedReason };

/** An acquired lock. Immutable: `extend()` answers with a new handle carrying the new deadline. */
export interface Lease {
  readonly name: string;
  /**
   * The owner token stored in Redis (random, 128 bits, plus `#holder` when labelled). Only this
   * handle knows it; release and extend compare it atomically on the server.
   */
  readonly token: string;
  /**
   * Fencing number: strictly increasing per lock name across all acquisitions. Pass it to the
   * resource you protect and have the resource reject anything lower than the highest it has
   * seen; that, not the lease, is what makes a late (paused, expired) holder harmless.
   */
  readonly fence: number;
  /** The lease length this handle was granted, in ms. */
  readonly leaseMs: number;
  /**
   * Conservative local deadline (epoch ms): the lease certainly lasts until here, since it is
   * counted from before the request that granted it was sent. Stop writing at this point.
   */
  readonly validUntil: number;
  /** `false` in memory mode: the lock only excludes callers in this instance. */
  readonly shared: boolean;
  /** Deletes the lock if this lease still owns it. Never throws on an outage (see ReleaseResult). */
  release(): Promise<ReleaseResult>;
  /**
   * Makes the lease end `lease` from now (default: this handle's lease length), if still owned.
   * Never throws on an outage (see ExtendResult).
   */
  extend(lease?: Duration): Promise<ExtendResult>;
}

export interface WithLockOptions extends AcquireLockOptions {
  /**
   * Renew the lease while `fn` runs, every `leaseMs / 3`. `false` = never (keep `fn` shorter than
   * the lease). Timers do not fire while a serverless instance is frozen, so this protects a
   * running function, never a frozen one: rely on `fence` for correctness.
   * @default true
   */
  autoExtend?: boolean;
}

/** What `fn` receives inside `withLock`. */
export interface LockContext {
  /** The lease as first granted (its `fence` and `token` never change while held). */
  lease: Lease;
  /**
   * Aborts with a LockLostError when the lease is known to be lost (an extension found another
   * owner) or can no longer be confirmed (extensions failed until `validUntil`). Check it before
   * each write, or pass it to fetch.
   */
  signal: AbortSignal;
}

export interface LocksOptions {
  /** Receives `redis.degraded` / `redis.command-error` events of the lock's guarded calls. */
  emit?: EmitResilienceEvent;
}
