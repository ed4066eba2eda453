/**
 * One fetched batch, start to settle: decode each entry, run the jobs concurrently (each one
 * isolated: whatever it throws is its own outcome), then write every outcome in one SETTLE call.
 */
import type { StreamRedis } from "../redis";
import { runScript } from "../redis/run-script";
import { jobTimeoutMs, runAttempt } from "./attempt";
import { jobEnvelopeSchema, type JobEnvelope } from "./envelope";
import { bestEffort, mustReach } from "./guarded";
import { recordFields } from "./job-record";
import { SETTLE, type FetchedEntry, type SettleOutcome } from "./scripts";
import { deadOutcome, failedOutcome, settleOutcomeFor, type DeliveredJob } from "./settle-outcome";
import type { QueueRuntime } from "./settings";

/** What one batch did; `skipped` = outcomes not written because another consumer owns the entry now. */
export interface BatchTally {
  fetched: number;
  reclaimed: number;
  completed: number;
  retried: number;
  dead: number;
  deferred: number;
  skipped: number;
}

/** The consume budget as a batch sees it. */
export interface BatchBudget {
  remaining: () => number;
  minJobBudgetMs: number;
}

interface Planned {
  recordKey: string;
  outcome: Promise<SettleOutcome>;
}

export async function runBatch(
  runtime: QueueRuntime,
  redis: StreamRedis,
  consumer: string,
  entries: FetchedEntry[],
  budget: BatchBudget,
): Promise<BatchTally> {
  const { kit } = runtime;
  const tally: BatchTally = { fetched: entries.length, reclaimed: 0, completed: 0, retried: 0, dead: 0, deferred: 0, skipped: 0 };
  const processing: Promise<unknown>[] = [];
  const planned: Planned[] = entries.map(([streamId, job, entryAttempt, deliveries, cutoffs]) => {
    if (deliveries > 1) tally.reclaimed += 1;
    const parsed = jobEnvelopeSchema.safeParse(job);
    if (!parsed.success) {
      const raw = typeof job === "string" ? job : JSON.stringify(job) ?? "";
      const outcome = deadOutcome(runtime, streamId, raw, null, Number(entryAttempt) || 1, "unreadable job entry");
      return { recordKey: kit.keys.queueJob(`unreadable-${streamId}`), outcome: Promise.resolve(outcome) };
    }
    const envelope = parsed.data as JobEnvelope;
    // A redelivery (crash, freeze, timeout past reclaimAfter) is one more attempt.
    const attempt = Number(entryAttempt) + Number(deliveries) - 1;
    const delivered: DeliveredJob = { streamId, envelope, attempt, cutoffs: Number(cutoffs) || 0 };
    const recordKey = kit.keys.queueJob(envelope.id);
    if (attempt > envelope.maxAttempts) {
      const error = `no outcome after ${Number(deliveries)} deliveries (consumer crashed or exceeded reclaimAfter)`;
      return { recordKey, outcome: Promise.resolve(deadOutcome(runtime, streamId, JSON.stringify(envelope), envelope, attempt - 1, error)) };
    }
    // Isolated: whatever one job throws becomes its own outcome, never its siblings' loss.
    const outcome = execute(runtime, delivered, budget, () => processing.push(markProcessing(runtime, redis, recordKey, attempt))).catch(
      (error: unknown) => failedOutcome(runtime, delivered, error),
    );
    return { recordKey, outcome };
  });

  const outcomes = await Promise.all(planned.map((p) => p.outcome));
  await Promise.all(processing);
  const settled = await mustReach(runtime, "queue.settle", () =>
    runScript(redis, SETTLE, [runtime.streamKey, runtime.delayedKey, runtime.deadKey, ...planned.map((p) => p.recordKey)], [
      runtime.settings.group, consumer, runtime.settings.statusTtlSeconds, runtime.settings.deadLetterMaxLength, JSON.stringify(outcomes),
    ]),
  );
  outcomes.forEach((outcome, i) => {
    if (settled[i] !== "ok") tally.skipped += 1;
    else if (outcome.kind === "ack") tally.completed += 1;
    else if (outcome.kind === "retry") tally.retried += 1;
    else if (outcome.kind === "release") tally.deferred += 1;
    else tally.dead += 1;
  });
  return tally;
}

/** Runs one delivered job to its settle outcome; `onStart` fires only if the handler is started. */
async function execute(runtime: QueueRuntime, job: DeliveredJob, budget: BatchBudget, onStart: () => void): Promise<SettleOutcome> {
  const { envelope, attempt, streamId } = job;
  const definition = Object.hasOwn(runtime.jobs, envelope.type) ? runtime.jobs[envelope.type] : undefined;
  if (!definition) {
    return deadOutcome(runtime, streamId, JSON.stringify(envelope), envelope, attempt, `unknown job type "${envelope.type}" (not in this deployment's registry)`);
  }
  const ownTimeoutMs = jobTimeoutMs(definition, runtime.settings);
  const availableMs = budget.remaining();
  // Not started without its minimum share of the budget: handed back, no attempt used.
  if (availableMs < Math.min(ownTimeoutMs, budget.minJobBudgetMs)) return settleOutcomeFor(runtime, job, { kind: "deferred", started: false }, ownTimeoutMs);
  onStart();
  const context = { jobId: envelope.id, type: envelope.type, attempt, maxAttempts: envelope.maxAttempts, enqueuedAt: envelope.enqueuedAt };
  const outcome = await runAttempt(definition, envelope.payload, context, { ownTimeoutMs, availableMs });
  return settleOutcomeFor(runtime, job, outcome, ownTimeoutMs);
}

function markProcessing(runtime: QueueRuntime, redis: StreamRedis, recordKey: string, attempt: number): Promise<unknown> {
  const now = runtime.kit.clock.now();
  return bestEffort(runtime, "queue.mark-processing", () =>
    Promise.all([
      redis.hset(recordKey, recordFields({ status: "processing", attempts: attempt, startedAt: now, updatedAt: now })),
      redis.expire(recordKey, runtime.settings.statusTtlSeconds),
    ]), null);
}
