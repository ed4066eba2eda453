/**
 * consume(): one serverless invocation's share of the work. Until the time budget is spent it
 * fetches a batch (promote due retries → reclaim idle entries → read new ones: one script call),
 * runs the handlers concurrently, and settles the batch (ack / retry / dead-letter / hand back:
 * one script call). At-least-once: an entry is removed only after its outcome is written, so a
 * consumer killed at any point leaves its entries pending, and another consumer reclaims them
 * after `reclaimAfter`. Concurrent invocations are safe: each has its own consumer name in one
 * consumer group.
 *
 * The budget rule: a batch is fetched, and a job started, only while at least `minJobBudgetMs` is
 * left (or the job's whole timeout, when shorter). A job the budget cuts off before its own
 * timeout is handed back at the same attempt — the budget is the consumer's limit, not the job's
 * failure — and the drain stops there, since whatever it fetched next would not fit either.
 */
import { runScript } from "../redis/run-script";
import { jobTimeoutMs } from "./attempt";
import { bestEffort, mustReach } from "./guarded";
import { runBatch, type BatchTally } from "./run-batch";
import { FETCH, PRUNE_CONSUMERS } from "./scripts";
import type { QueueRuntime } from "./settings";
import { countQueue, warnTrimmed } from "./throughput";

export interface ConsumeOptions {
  /**
   * Wall-clock budget. Keep it below the function's maxDuration and below the queue's
   * `reclaimAfter`. Handlers still running at its end are cut off and handed back uncharged.
   */
  budgetMs: number;
  /** Entries per fetch; they run concurrently. @default 10 */
  batchSize?: number;
  /**
   * When nothing is ready but a delayed job or retry falls due within the budget, wait for it
   * (true) or return at once (false). @default true
   */
  waitForDelayed?: boolean;
  /**
   * No batch is fetched, and no job started, with less than this left of the budget (a job whose
   * own timeout is shorter still starts when that fits). @default a tenth of `budgetMs`
   */
  minJobBudgetMs?: number;
}

export interface ConsumeResult {
  /** This invocation's consumer name (deleted again at the end when nothing is left pending). */
  consumer: string;
  batches: number;
  /** Entries delivered to this consumer, reclaimed ones included. */
  fetched: number;
  /** Of `fetched`, entries taken over from a crashed or timed-out consumer. */
  reclaimed: number;
  completed: number;
  /** Failed attempts with a retry scheduled. */
  retried: number;
  /** Jobs moved to the dead-letter stream. */
  dead: number;
  /** Jobs handed back at the same attempt: not started, or cut off, for want of budget. */
  deferred: number;
  /** Outcomes not written because another consumer had taken the entry over meanwhile. */
  skipped: number;
  /** Waiting jobs dropped by `MAXLEN ~` when this consumer moved due delayed jobs into a full stream. */
  trimmed: number;
  /** Reclaimed entries already gone from the stream (trimmed while their consumer was dead). */
  lost: number;
  elapsedMs: number;
  stoppedBy: "budget" | "empty";
}

const TALLIED = ["fetched", "reclaimed", "completed", "retried", "dead", "deferred", "skipped"] as const satisfies readonly (keyof BatchTally)[];
const MAX_BATCH_SIZE = 500;
const RECLAIM_ROUNDS = 5;
const MAX_PROMOTE = 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function consume(runtime: QueueRuntime, options: ConsumeOptions): Promise<ConsumeResult> {
  const { budgetMs, batchSize = 10, waitForDelayed = true } = options;
  const { settings } = runtime;
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw new RangeError(`budgetMs must be > 0, got ${budgetMs}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  if (budgetMs >= settings.reclaimAfterMs) {
    // Otherwise entries still being worked on here could be reclaimed and run twice on purpose.
    throw new RangeError(`budgetMs (${budgetMs}) must be below the queue's reclaimAfter (${settings.reclaimAfterMs} ms)`);
  }
  const minJobBudgetMs = options.minJobBudgetMs ?? budgetMs / 10;
  if (!(minJobBudgetMs >= 0 && minJobBudgetMs < budgetMs)) {
    throw new RangeError(`minJobBudgetMs must be from 0 to below budgetMs (${budgetMs}), got ${minJobBudgetMs}`);
  }
  const redis = runtime.redis;
  const consumer = `c-${runtime.kit.clock.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const result: ConsumeResult = {
    consumer, batches: 0, fetched: 0, reclaimed: 0, completed: 0, retried: 0, dead: 0, deferred: 0, skipped: 0, trimmed: 0, lost: 0,
    elapsedMs: 0, stoppedBy: "empty",
  };
  if (!redis) return result;

  // Budget on a monotonic clock: it is real execution time, whatever `kit.clock` says.
  const started = performance.now();
  const remaining = () => budgetMs - (performance.now() - started);
  // What the quickest job type needs to start (the per-job rule in `execute`, for any type).
  const startableMs = Math.min(minJobBudgetMs, ...Object.values(runtime.jobs).map((d) => jobTimeoutMs(d, settings)));
  let slowestBatchMs = 0;
  const counting: Promise<void>[] = [];
  try {
    for (;;) {
      // Room for a job to start, and for a batch as slow as the slowest so far.
      if (remaining() < Math.max(startableMs, slowestBatchMs * 1.2, 1)) {
        result.stoppedBy = "budget";
        break;
      }
      const batchStarted = performance.now();
      const [entries, trimmed, nextDueAt, lost] = await mustReach(runtime, "queue.fetch", () =>
        runScript(redis, FETCH, [runtime.streamKey, runtime.delayedKey], [
          settings.group, consumer, batchSize, settings.reclaimAfterMs, runtime.kit.clock.now(), settings.maxLength, RECLAIM_ROUNDS, MAX_PROMOTE,
        ]),
      );
      result.trimmed += trimmed;
      result.lost += lost;
      if (trimmed > 0) warnTrimmed(runtime, trimmed, "moving due delayed jobs into the stream");
      if (lost > 0) console.warn(`[edge-kit] queue "${settings.name}": ${lost} job(s) left pending by a dead consumer were trimmed before they finished`);
      if (entries.length === 0) {
        counting.push(countQueue(runtime, { trimmed }));
        const wait = nextDueAt === "" ? Infinity : Number(nextDueAt) - runtime.kit.clock.now();
        // Wait only if a job could still start afterwards (the check at the top runs again).
        if (waitForDelayed && wait + startableMs < remaining()) {
          await sleep(Math.max(wait, 5));
          continue;
        }
        result.stoppedBy = "empty";
        break;
      }
      const tally = await runBatch(runtime, redis, consumer, entries, { remaining, minJobBudgetMs });
      for (const key of TALLIED) result[key] += tally[key];
      const { completed, retried, dead, deferred, reclaimed } = tally;
      counting.push(countQueue(runtime, { completed, retried, dead, deferred, reclaimed, failed: retried + dead, trimmed }));
      result.batches += 1;
      slowestBatchMs = Math.max(slowestBatchMs, performance.now() - batchStarted);
      if (deferred > 0) {
        // What was handed back would only be fetched again, with even less budget left.
        result.stoppedBy = "budget";
        break;
      }
    }
  } finally {
    await bestEffort(runtime, "queue.prune-consumers", () =>
      runScript(redis, PRUNE_CONSUMERS, [runtime.streamKey], [settings.group, consumer, settings.reclaimAfterMs * 2]), 0,
    );
    await Promise.all(counting);
    result.elapsedMs = Math.round(performance.now() - started);
  }
  return result;
}
