/**
 * `withLock(name, fn)`: acquire, run `fn` while renewing the lease, always release — the shape of
 * redlock's `using()` and redis-semaphore's `refreshInterval`, without their known traps
 * (reference §5: timers leaking after release, "cannot extend an already-expired lock" crashing
 * the process, errors masked by the release).
 */
import type { Lease, LockContext, WithLockOptions } from "./types";
import { acquireLock, type LockRuntime } from "./locks";
import { LockLostError, LockNotAcquiredError } from "./errors";

/**
 * Runs `fn` holding lock `name` and returns its result.
 * - not acquired within the retries → throws LockNotAcquiredError (E_LOCK_NOT_ACQUIRED, HTTP 503);
 * - Redis unreachable on acquire → throws the guard's KitError (fail-closed, HTTP 503);
 * - while `fn` runs the lease is renewed every `leaseMs / 3`; when renewal finds another owner, or
 *   cannot reach Redis before the lease's deadline, `ctx.signal` aborts with LockLostError;
 * - the lease is released when `fn` returns or throws; `fn`'s error wins over any release problem,
 *   and a release that finds the lease already gone is counted (`lost`) and logged, never thrown.
 */
export async function withLock<T>(
  rt: LockRuntime,
  name: string,
  fn: (ctx: LockContext) => Promise<T> | T,
  options: WithLockOptions = {},
): Promise<T> {
  const result = await acquireLock(rt, name, options);
  if (!result.acquired) throw new LockNotAcquiredError(name, result.heldBy, result.attempts, result.waitedMs);
  const first = result.lease;
  const clock = rt.kit.clock;
  const controller = new AbortController();
  const lose = (why: "taken" | "unconfirmed") => {
    if (!controller.signal.aborted) controller.abort(new LockLostError(name, first.fence, why));
  };
  let current: Lease = first;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const interval = Math.max(5, Math.floor(first.leaseMs / 3));

  const arm = (ms: number, action: () => void) => {
    if (!done) timer = setTimeout(action, Math.max(0, ms));
  };
  const renew = async (): Promise<void> => {
    const outcome = await current.extend().catch((error: unknown) => ({ extended: false as const, reason: "error" as const, error }));
    if (done) return;
    if (outcome.extended) {
      current = outcome.lease;
      arm(interval, () => void renew());
    } else if (outcome.reason === "lost") {
      lose("taken");
    } else if (outcome.reason === "error") {
      // A Redis error reply (a bug, e.g. WRONGTYPE on the lock key): the lease cannot be kept.
      console.error(`[edge-kit] lock "${name}": extension failed, treating the lease as lost`, outcome.error);
      lose("unconfirmed");
    } else {
      // Unreachable: keep trying, but only until the lease's own deadline; past it we cannot claim to hold it.
      const left = current.validUntil - clock.now();
      if (left <= 0) lose("unconfirmed");
      else arm(Math.min(interval, left), () => void renew());
    }
  };
  if (options.autoExtend === false) arm(first.validUntil - clock.now(), () => lose("unconfirmed"));
  else arm(interval, () => void renew());

  try {
    return await fn({ lease: first, signal: controller.signal });
  } finally {
    done = true;
    clearTimeout(timer);
    // release() answers outages itself; only an error reply (a bug, a foreign write: WRONGTYPE) rejects.
    // Caught so fn's own error or result is never replaced by it (this function's contract).
    const released = await current.release().catch((error: unknown) => {
      console.error(`[edge-kit] lock "${name}" fence ${first.fence}: release failed; the lease ends on its own`, error);
      return undefined;
    });
    if (released && !released.released) {
      console.warn(
        `[edge-kit] lock "${name}" fence ${first.fence}: ${released.reason === "lost" ? "lease had already ended before release (work may have overlapped another holder)" : `release skipped, Redis ${released.degraded}; the lease ends on its own`}`,
      );
    }
  }
}
