/**
 * consume(): one serverless invocation's share of the work. Until the time budget is spent it
 * fetches a batch (promote due retries → reclaim idle entries → read new ones: one script call),
 * runs the handlers concurrently, and settles the batch (ack / retry / dead-letter: one script
 * call). At-least-once: an entry is removed only after its outcome is written, so a consumer killed
 * at any point leaves its entries pending, and another consumer reclaims them after `reclaimAfter`.
 * Concurrent invocations are safe: each has its own consumer name in one consumer group.
 */
import { runScript } from "../redis/run-script";
import { toMs } from "../duration";
import type { StreamRedis } from "../redis";
import { backoffDelayMs } from "./backoff";
import { delayedMember, jobEnvelopeSchema, type JobEnvelope } from "./envelope";
import { bestEffort, mustReach } from "./guarded";
import { errorText, recordFields, recordPairs, storableResult, type JobRecord } from "./job-record";
import { runHandler } from "./run-handler";
import { FETCH, PRUNE_CONSUMERS, SETTLE, type FetchedEntry, type SettleOutcome } from "./scripts";
import type { QueueRuntime } from "./settings";
import { countQueue, type QueueCounts } from "./throughput";

export interface ConsumeOptions {
  /**
   * Wall-clock budget: no batch starts once it is spent, and handlers are cut off at its end.
   * Keep it below the function's maxDuration and below the queue's `reclaimAfter`.
   */
  budgetMs: number;
  /** Entries per fetch; they run concurrently. @default 10 */
  batchSize?: number;
  /**
   * When nothing is ready but a delayed job or retry falls due within the budget, wait for it
   * (true) or return at once (false). @default true
   */
  waitForDelayed?: boolean;
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
  /** Outcomes not written because another consumer had taken the entry over meanwhile. */
  skipped: number;
  /** Reclaimed entries that were gone from the stream (trimmed past `maxLength` before processing). */
  trimmed: number;
  elapsedMs: number;
  stoppedBy: "budget" | "empty";
}

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
  const redis = runtime.redis;
  const consumer = `c-${runtime.kit.clock.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const result: ConsumeResult = {
    consumer, batches: 0, fetched: 0, reclaimed: 0, completed: 0, retried: 0, dead: 0, skipped: 0, trimmed: 0, elapsedMs: 0, stoppedBy: "empty",
  };
  if (!redis) return result;

  // Budget on a monotonic clock: it is real execution time, whatever `kit.clock` says.
  const started = performance.now();
  const remaining = () => budgetMs - (performance.now() - started);
  let slowestBatchMs = 0;
  const counting: Promise<void>[] = [];
  try {
    for (;;) {
      if (remaining() <= slowestBatchMs * 1.2) {
        result.stoppedBy = "budget";
        break;
      }
      const batchStarted = performance.now();
      const [entries, trimmed, nextDueAt] = await mustReach(runtime, "queue.fetch", () =>
        runScript(redis, FETCH, [runtime.streamKey, runtime.delayedKey], [
          settings.group, consumer, batchSize, settings.reclaimAfterMs, runtime.kit.clock.now(), settings.maxLength, RECLAIM_ROUNDS, MAX_PROMOTE,
        ]),
      );
      result.trimmed += trimmed;
      if (entries.length === 0) {
        const wait = nextDueAt === "" ? Infinity : Number(nextDueAt) - runtime.kit.clock.now();
        if (waitForDelayed && wait < remaining()) {
          await sleep(Math.max(wait, 5));
          continue;
        }
        result.stoppedBy = "empty";
        break;
      }
      const counts = await runBatch(runtime, redis, consumer, entries, remaining(), result);
      counting.push(countQueue(runtime, { ...counts, trimmed }));
      result.batches += 1;
      slowestBatchMs = Math.max(slowestBatchMs, performance.now() - batchStarted);
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

interface Planned {
  streamId: string;
  recordKey: string;
  outcome: Promise<SettleOutcome>;
}

async function runBatch(
  runtime: QueueRuntime,
  redis: StreamRedis,
  consumer: string,
  entries: FetchedEntry[],
  remainingMs: number,
  result: ConsumeResult,
): Promise<QueueCounts> {
  const { kit } = runtime;
  const processing: Promise<unknown>[] = [];
  const planned: Planned[] = entries.map(([streamId, job, entryAttempt, deliveries]) => {
    result.fetched += 1;
    if (deliveries > 1) result.reclaimed += 1;
    const parsed = jobEnvelopeSchema.safeParse(job);
    if (!parsed.success) {
      const raw = typeof job === "string" ? job : JSON.stringify(job) ?? "";
      const outcome = dead(runtime, streamId, raw, null, Number(entryAttempt) || 1, "unreadable job entry");
      return { streamId, recordKey: kit.keys.queueJob(`unreadable-${streamId}`), outcome: Promise.resolve(outcome) };
    }
    const envelope = parsed.data as JobEnvelope;
    // A redelivery (crash, freeze, timeout past reclaimAfter) is one more attempt.
    const attempt = Number(entryAttempt) + Number(deliveries) - 1;
    const recordKey = kit.keys.queueJob(envelope.id);
    const now = kit.clock.now();
    if (attempt > envelope.maxAttempts) {
      const error = `no outcome after ${Number(deliveries)} deliveries (consumer crashed or exceeded reclaimAfter)`;
      return { streamId, recordKey, outcome: Promise.resolve(dead(runtime, streamId, JSON.stringify(envelope), envelope, attempt - 1, error)) };
    }
    processing.push(
      bestEffort(runtime, "queue.mark-processing", () =>
        Promise.all([
          redis.hset(recordKey, recordFields({ status: "processing", attempts: attempt, startedAt: now, updatedAt: now })),
          redis.expire(recordKey, runtime.settings.statusTtlSeconds),
        ]), null),
    );
    return { streamId, recordKey, outcome: execute(runtime, streamId, envelope, attempt, remainingMs) };
  });

  const outcomes = await Promise.all(planned.map((p) => p.outcome));
  await Promise.all(processing);
  const settled = await mustReach(runtime, "queue.settle", () =>
    runScript(redis, SETTLE, [runtime.streamKey, runtime.delayedKey, runtime.deadKey, ...planned.map((p) => p.recordKey)], [
      runtime.settings.group, consumer, runtime.settings.statusTtlSeconds, runtime.settings.deadLetterMaxLength, JSON.stringify(outcomes),
    ]),
  );
  const counts = { completed: 0, failed: 0, retried: 0, dead: 0, reclaimed: 0 } satisfies QueueCounts;
  outcomes.forEach((outcome, i) => {
    if (settled[i] !== "ok") {
      result.skipped += 1;
      return;
    }
    if (outcome.kind === "ack") counts.completed += 1;
    else if (outcome.kind === "retry") counts.retried += 1;
    else counts.dead += 1;
  });
  counts.failed = counts.retried + counts.dead;
  counts.reclaimed = entries.filter((e) => e[3] > 1).length;
  result.completed += counts.completed;
  result.retried += counts.retried;
  result.dead += counts.dead;
  return counts;
}

async function execute(runtime: QueueRuntime, streamId: string, envelope: JobEnvelope, attempt: number, remainingMs: number): Promise<SettleOutcome> {
  const { kit, settings, jobs } = runtime;
  const definition = Object.hasOwn(jobs, envelope.type) ? jobs[envelope.type] : undefined;
  if (!definition) return dead(runtime, streamId, JSON.stringify(envelope), envelope, attempt, `unknown job type "${envelope.type}" (not in this deployment's registry)`);
  // Re-checked: the schema may have changed since the job was enqueued (a deploy in between).
  const payload = definition.schema.safeParse(envelope.payload);
  if (!payload.success) {
    return dead(runtime, streamId, JSON.stringify(envelope), envelope, attempt, `payload no longer valid: ${payload.error.issues.map((i) => i.message).join("; ")}`);
  }
  const ownTimeout = definition.timeout === undefined ? settings.jobTimeoutMs : toMs(definition.timeout);
  const context = { jobId: envelope.id, type: envelope.type, attempt, maxAttempts: envelope.maxAttempts, enqueuedAt: envelope.enqueuedAt };
  const outcome = await runHandler(definition, payload.data, context, Math.max(1, Math.min(ownTimeout, remainingMs)));
  const now = kit.clock.now();
  if (outcome.ok) {
    return { kind: "ack", id: streamId, record: recordPairs({ status: "completed", completedAt: now, updatedAt: now, result: storableResult(outcome.value) }) };
  }
  const lastError = errorText(outcome.error);
  if (attempt >= envelope.maxAttempts) return dead(runtime, streamId, JSON.stringify(envelope), envelope, attempt, lastError);
  const runAt = now + backoffDelayMs(envelope.backoff, attempt + 1, settings.random);
  const record: Partial<JobRecord> = { status: "failed", failedAt: now, updatedAt: now, lastError, nextAttemptAt: runAt };
  return { kind: "retry", id: streamId, record: recordPairs(record), runAt: String(runAt), member: delayedMember(attempt + 1, JSON.stringify(envelope)) };
}

function dead(runtime: QueueRuntime, streamId: string, job: string, envelope: JobEnvelope | null, attempt: number, error: string): SettleOutcome {
  const now = runtime.kit.clock.now();
  const record = envelope ? recordPairs({ status: "dead", failedAt: now, updatedAt: now, lastError: error, attempts: attempt }) : [];
  return { kind: "dead", id: streamId, record, job, attempt: String(attempt), error, failedAt: String(now) };
}
