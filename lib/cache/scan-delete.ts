/**
 * invalidatePrefix's storage half: SCAN MATCH + UNLINK, bounded and resumable. Never KEYS.
 *
 * Each SCAN walks `count` slots of the WHOLE keyspace, so a sweep costs ⌈keyspace / count⌉ calls however
 * few keys match (cache-and-queue.md §A4). One call does at most `maxIterations` steps and returns the
 * cursor it stopped at; the caller passes it back to continue where it left off (restarting at "0"
 * would re-walk the same first slots forever on a keyspace larger than one call's reach).
 *
 * Each SCAN + UNLINK step is its own guarded operation with the full per-operation budget: a sweep of
 * many quick steps is not cut off by one budget for the whole loop (which used to report a slow but
 * working Redis as degraded, answered from memory, and count it against the breaker). A step that
 * fails midway ends the call with what was done, `complete: false` and the cursor before that step.
 */
import type { BackendDeps, BackendInfo, CacheDegradedReason } from "./backend";
import { guardedBackend } from "./backend-guard";

export interface ScanDeleteBounds {
  /** SCAN COUNT hint: keyspace slots walked per step. */
  count: number;
  /** Most steps in this call. */
  maxIterations: number;
  /** Where to resume ("0" = from the start). */
  cursor: string;
}

export interface PrefixDeleteResult extends BackendInfo {
  /** Keys unlinked in Redis by this call (or, degraded before any step, entries dropped from memory). */
  deleted: number;
  /** SCAN steps that completed. */
  scanned: number;
  /** The cursor came back to "0": every key that existed for the whole sweep was visited. */
  complete: boolean;
  /** Where to resume: pass it back as `cursor`. "0" once complete. */
  cursor: string;
}

type Step = { next: string; deleted: number } | { degraded: CacheDegradedReason };

export async function scanDelete(deps: BackendDeps, pattern: string, memoryPrefix: string, bounds: ScanDeleteBounds): Promise<PrefixDeleteResult> {
  const deletedLocally = deps.memory.deletePrefix(memoryPrefix);
  let cursor = bounds.cursor;
  let deleted = 0;
  let scanned = 0;
  do {
    const from = cursor;
    const step = await guardedBackend<Step>(deps, "cache.invalidate-prefix", (degraded) => ({ degraded }), async (redis) => {
      const [next, found] = await redis.scan(from, { match: pattern, count: bounds.count });
      return { next: String(next), deleted: found.length > 0 ? await redis.unlink(...found) : 0 };
    });
    if ("degraded" in step) {
      // Nothing reached Redis in this call: only this instance's memory fallback was cleared.
      if (scanned === 0) return { deleted: deletedLocally, scanned, complete: false, cursor, backend: "memory", degraded: step.degraded };
      // The steps before stand; resuming from `cursor` redoes the failed one (UNLINK twice is harmless).
      return { deleted, scanned, complete: false, cursor, backend: "redis", degraded: step.degraded };
    }
    cursor = step.next;
    deleted += step.deleted;
    scanned++;
  } while (cursor !== "0" && scanned < bounds.maxIterations);
  return { deleted, scanned, complete: cursor === "0", cursor, backend: "redis" };
}
