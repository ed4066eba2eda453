/**
 * Inline mode (`USE_REDIS_QUEUE=false`): the job runs in this process right after the response
 * (through the caller's waitUntil), with the same attempts, backoff and time limit as the stream
 * consumer, and the same status record when Redis is up. Exhausted jobs still land in the
 * dead-letter stream, so `requeueDeadLetters` can hand them to the stream consumer later.
 * Limits: a crash or a frozen function loses the in-process retries (use the stream for that),
 * and delays/backoff are bounded by how long the platform honours waitUntil.
 */
import { MAX_TIMER_MS } from "../duration";
import { jobTimeoutMs, runAttempt } from "./attempt";
import { backoffDelayMs } from "./backoff";
import type { JobEnvelope } from "./envelope";
import { encodeEnvelope } from "./envelope";
import { bestEffort } from "./guarded";
import type { JobDefinition } from "./job-definition";
import { errorText, recordFields, storableResult, type JobRecord } from "./job-record";
import type { QueueRuntime } from "./settings";
import { countQueue } from "./throughput";

/** Waits `ms` even past one timer's limit, in steps (a "30 d" delay must not run at once). */
async function sleep(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= MAX_TIMER_MS) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, MAX_TIMER_MS)));
  }
}

/** Runs every attempt; never rejects (an unexpected failure is logged with the job id). */
export async function runInline(
  runtime: QueueRuntime,
  definition: JobDefinition,
  envelope: JobEnvelope,
  delayMs: number,
  recordStatus: boolean,
): Promise<void> {
  try {
    await attempts(runtime, definition, envelope, delayMs, recordStatus);
  } catch (err) {
    console.error(`[edge-kit] inline job ${envelope.id} (${envelope.type}) stopped unexpectedly:`, err);
  }
}

async function attempts(runtime: QueueRuntime, definition: JobDefinition, envelope: JobEnvelope, delayMs: number, recordStatus: boolean): Promise<void> {
  const { kit, settings } = runtime;
  const write = (update: Partial<JobRecord>) => (recordStatus ? writeRecord(runtime, envelope.id, update) : Promise.resolve());
  const ownTimeoutMs = jobTimeoutMs(definition, settings);
  if (delayMs > 0) await sleep(delayMs);

  for (let attempt = 1; attempt <= envelope.maxAttempts; attempt++) {
    const startedAt = kit.clock.now();
    await write({ status: "processing", attempts: attempt, startedAt, updatedAt: startedAt });
    const context = { jobId: envelope.id, type: envelope.type, attempt, maxAttempts: envelope.maxAttempts, enqueuedAt: envelope.enqueuedAt };
    // Same parse-then-run as the stream consumer: the handler gets schema.parse(input), once.
    const outcome = await runAttempt(definition, envelope.payload, context, { ownTimeoutMs, availableMs: Infinity });
    const now = kit.clock.now();
    if (outcome.kind === "completed") {
      await write({ status: "completed", completedAt: now, updatedAt: now, result: storableResult(outcome.value) });
      await countQueue(runtime, { completed: 1 });
      return;
    }
    // No budget inline, so never "deferred"; "invalid" cannot improve with retries.
    const lastError = outcome.kind === "invalid" ? outcome.reason : errorText(outcome.error);
    if (outcome.kind !== "invalid" && attempt < envelope.maxAttempts) {
      const wait = backoffDelayMs(envelope.backoff, attempt + 1, settings.random);
      await write({ status: "failed", failedAt: now, updatedAt: now, lastError, nextAttemptAt: now + wait });
      await countQueue(runtime, { failed: 1, retried: 1 });
      await sleep(wait);
      continue;
    }
    await write({ status: "dead", failedAt: now, updatedAt: now, lastError });
    if (recordStatus) await deadLetter(runtime, envelope, attempt, lastError, now);
    await countQueue(runtime, { failed: 1, dead: 1 });
    console.warn(`[edge-kit] inline job ${envelope.id} (${envelope.type}) dead after ${attempt} attempts: ${lastError}`);
    return;
  }
}

async function writeRecord(runtime: QueueRuntime, id: string, update: Partial<JobRecord>): Promise<void> {
  const redis = runtime.redis;
  if (!redis) return;
  const key = runtime.kit.keys.queueJob(id);
  await bestEffort(
    runtime,
    "queue.inline-status",
    () => Promise.all([redis.hset(key, recordFields(update)), redis.expire(key, runtime.settings.statusTtlSeconds)]),
    null,
  );
}

async function deadLetter(runtime: QueueRuntime, envelope: JobEnvelope, attempt: number, error: string, failedAt: number): Promise<void> {
  const redis = runtime.redis;
  if (!redis) return;
  await bestEffort(
    runtime,
    "queue.inline-dead-letter",
    () =>
      redis.xadd(
        runtime.deadKey,
        "*",
        { job: encodeEnvelope(envelope), attempt: String(attempt), error, failedAt: String(failedAt), sourceId: "inline" },
        { trim: { type: "MAXLEN", comparison: "~", threshold: runtime.settings.deadLetterMaxLength } },
      ),
    null,
  );
}
