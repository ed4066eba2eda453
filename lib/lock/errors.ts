/** Typed failures of lib/lock (stable codes in lib/errors.ts KitErrorCode). */
import { KitError } from "../errors";
import type { LockHolder } from "./types";

/**
 * `withLock` could not get the lock within its retries: someone else holds it. HTTP: 503 with
 * `Retry-After: ceil(retryAfterMs / 1000)` (the holder's remaining lease is an upper bound).
 */
export class LockNotAcquiredError extends KitError {
  readonly heldBy: LockHolder;
  constructor(name: string, heldBy: LockHolder, attempts: number, waitedMs: number) {
    super("E_LOCK_NOT_ACQUIRED", `Lock "${name}" is held${heldBy.holder ? ` by "${heldBy.holder}"` : ""} (gave up after ${attempts} tries, ${waitedMs} ms)`, {
      retryable: true,
      context: { lock: name, attempts, waitedMs, retryAfterMs: Math.max(heldBy.expiresInMs, 0), fence: heldBy.fence },
    });
    this.heldBy = heldBy;
  }
}

/** The lease ended (or could no longer be confirmed) while work was running under it. */
export class LockLostError extends KitError {
  constructor(name: string, fence: number, why: "taken" | "unconfirmed") {
    const detail = why === "taken" ? "another owner has it or it expired" : "it could not be extended before its deadline";
    super("E_LOCK_LOST", `Lease ${fence} on lock "${name}" was lost: ${detail}`, { context: { lock: name, fence, why } });
  }
}
