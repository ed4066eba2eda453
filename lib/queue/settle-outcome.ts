/**
 * What the SETTLE script is told to do with one delivered entry, from what its attempt did:
 * completed → ack; failed → retry after backoff, or dead letter when attempts are exhausted;
 * invalid → dead letter at once; deferred → back into the stream at the same attempt. Pure
 * functions of their inputs that cannot throw (error texts come from the total `errorText`).
 */
import { JobTimeoutError } from "./errors";
import { backoffDelayMs } from "./backoff";
import { delayedMember, type JobEnvelope } from "./envelope";
import type { AttemptOutcome } from "./attempt";
import { errorText, recordPairs, storableResult, type JobRecord } from "./job-record";
import type { SettleOutcome } from "./scripts";
import type { QueueRuntime } from "./settings";

/**
 * Budget cut-offs handed back in a row before the next one is charged as a timed-out attempt: a
 * job type whose run never fits in what consumers have left (its timeout above the consume
 * budget, a hanging handler) would otherwise circle between stream and consumer forever.
 */
export const MAX_FREE_CUTOFFS = 3;

/** A delivered entry as the consumer understood it. */
export interface DeliveredJob {
  streamId: string;
  envelope: JobEnvelope;
  /** This run's attempt number (redeliveries after a crash included). */
  attempt: number;
  /** Budget cut-offs so far without a charged attempt in between. */
  cutoffs: number;
}

export function settleOutcomeFor(runtime: QueueRuntime, job: DeliveredJob, outcome: AttemptOutcome, ownTimeoutMs: number): SettleOutcome {
  const now = runtime.kit.clock.now();
  switch (outcome.kind) {
    case "completed":
      return { kind: "ack", id: job.streamId, record: recordPairs({ status: "completed", completedAt: now, updatedAt: now, result: storableResult(outcome.value) }) };
    case "invalid":
      return deadOutcome(runtime, job.streamId, JSON.stringify(job.envelope), job.envelope, job.attempt, outcome.reason);
    case "failed":
      return failedOutcome(runtime, job, outcome.error);
    case "deferred": {
      const cutoffs = job.cutoffs + (outcome.started ? 1 : 0);
      if (cutoffs > MAX_FREE_CUTOFFS) return failedOutcome(runtime, job, outcome.error ?? new JobTimeoutError(job.envelope.type, ownTimeoutMs));
      // attempts = the ones charged so far: this run does not count.
      const record = recordPairs({ status: "queued", attempts: job.attempt - 1, updatedAt: now });
      return { kind: "release", id: job.streamId, record, job: JSON.stringify(job.envelope), attempt: String(job.attempt), cutoffs: String(cutoffs) };
    }
  }
}

/** A failed attempt: retry after the backoff, or dead letter when it was the last one. */
export function failedOutcome(runtime: QueueRuntime, job: DeliveredJob, error: unknown): SettleOutcome {
  const { envelope, attempt, streamId } = job;
  const now = runtime.kit.clock.now();
  const lastError = errorText(error);
  if (attempt >= envelope.maxAttempts) return deadOutcome(runtime, streamId, JSON.stringify(envelope), envelope, attempt, lastError);
  const runAt = now + backoffDelayMs(envelope.backoff, attempt + 1, runtime.settings.random);
  const record: Partial<JobRecord> = { status: "failed", failedAt: now, updatedAt: now, lastError, nextAttemptAt: runAt };
  return { kind: "retry", id: streamId, record: recordPairs(record), runAt: String(runAt), member: delayedMember(attempt + 1, JSON.stringify(envelope)) };
}

export function deadOutcome(runtime: QueueRuntime, streamId: string, job: string, envelope: JobEnvelope | null, attempt: number, error: string): SettleOutcome {
  const now = runtime.kit.clock.now();
  const record = envelope ? recordPairs({ status: "dead", failedAt: now, updatedAt: now, lastError: error, attempts: attempt }) : [];
  return { kind: "dead", id: streamId, record, job, attempt: String(attempt), error, failedAt: String(now) };
}
