/**
 * Operations: gauges and counters for the metrics endpoint, and the dead-letter stream (list,
 * requeue). All reads are fail-closed: a metrics page must not show zeros when Redis is down.
 */
import { readCounts } from "../observability";
import { runScript } from "../redis/run-script";
import { jobEnvelopeSchema, type JobEnvelope } from "./envelope";
import { mustReach } from "./guarded";
import { recordPairs } from "./job-record";
import { REQUEUE_DEAD, STATS } from "./operation-scripts";
import type { QueueRuntime } from "./settings";
import { countQueue, warnTrimmed, type QueueCounter } from "./throughput";

export interface QueueStats {
  queue: string;
  /** Entries in the stream: waiting + being processed (finished jobs are deleted at once). */
  length: number;
  /** Delivered to a consumer, not yet finished (the group's PEL). */
  pending: number;
  /** Entries not yet delivered to any consumer (XINFO GROUPS `lag`); `null` when Redis cannot tell. */
  lag: number | null;
  consumers: number;
  /** Delayed jobs and scheduled retries. */
  delayed: number;
  deadLetters: number;
  /** Idle time of the oldest pending entry; `null` when nothing is pending. */
  oldestPendingIdleMs: number | null;
  /** All-time totals. */
  totals: Partial<Record<QueueCounter, number>>;
  /** Totals of the current minute (throughput). */
  thisMinute: Partial<Record<QueueCounter, number>>;
}

export async function readStats(runtime: QueueRuntime): Promise<QueueStats> {
  const { kit, settings } = runtime;
  const redis = runtime.redis;
  const empty: QueueStats = {
    queue: settings.name, length: 0, pending: 0, lag: 0, consumers: 0, delayed: 0, deadLetters: 0, oldestPendingIdleMs: null, totals: {}, thisMinute: {},
  };
  if (!redis) return empty;
  const minuteKey = kit.keys.counterMinute(runtime.counterName, Math.floor(kit.clock.now() / 60_000));
  const [gauges, totals, minute] = await mustReach(runtime, "queue.stats", () =>
    Promise.all([
      runScript(redis, STATS, [runtime.streamKey, runtime.delayedKey, runtime.deadKey], [settings.group]),
      readCounts(kit, runtime.counterName),
      redis.hgetall<Record<string, number>>(minuteKey),
    ]),
  );
  const [length, pending, lag, consumers, delayed, deadLetters, oldest] = gauges;
  return {
    ...empty,
    length, pending, lag: lag < 0 ? null : lag, consumers, delayed, deadLetters,
    oldestPendingIdleMs: oldest < 0 ? null : oldest,
    totals,
    thisMinute: Object.fromEntries(Object.entries(minute ?? {}).map(([k, v]) => [k, Number(v)])),
  };
}

export interface DeadLetter {
  /** Entry id in the dead-letter stream (pass it to `requeueDeadLetters({ ids })`). */
  deadLetterId: string;
  jobId: string | null;
  type: string | null;
  payload: unknown;
  attempts: number;
  error: string;
  failedAt: number;
}

export async function listDeadLetters(runtime: QueueRuntime, limit = 100): Promise<DeadLetter[]> {
  return (await readDeadLetters(runtime, limit)).map((l) => l.letter);
}

async function readDeadLetters(runtime: QueueRuntime, limit: number): Promise<{ letter: DeadLetter; envelope: JobEnvelope | null }[]> {
  const redis = runtime.redis;
  if (!redis) return [];
  const entries = await mustReach(runtime, "queue.dead-letters", () =>
    redis.xrange<Record<string, unknown>>(runtime.deadKey, "-", "+", limit),
  );
  return Object.entries(entries).map(([deadLetterId, fields]) => {
    const envelope = jobEnvelopeSchema.safeParse(fields.job);
    const letter = {
      deadLetterId,
      jobId: envelope.success ? envelope.data.id : null,
      type: envelope.success ? envelope.data.type : null,
      payload: envelope.success ? envelope.data.payload : fields.job,
      attempts: Number(fields.attempt),
      error: String(fields.error ?? ""),
      failedAt: Number(fields.failedAt),
    };
    return { letter, envelope: envelope.success ? (envelope.data as JobEnvelope) : null };
  });
}

export interface RequeueOptions {
  /** Only these dead-letter entries; default: the oldest `limit`. */
  ids?: readonly string[];
  /** @default 100 */
  limit?: number;
}

/**
 * Moves dead letters back into the stream with a fresh set of attempts (after fixing the cause).
 * Atomic per entry: requeueing the same dead letter twice, concurrently, moves it once.
 * @returns how many jobs were moved
 */
export async function requeueDeadLetters(runtime: QueueRuntime, options: RequeueOptions = {}): Promise<number> {
  const redis = runtime.redis;
  if (!redis) return 0;
  const wanted = options.ids ? new Set(options.ids) : null;
  const read = await readDeadLetters(runtime, wanted ? 10_000 : options.limit ?? 100);
  const letters = read.filter(({ letter }) => !wanted || wanted.has(letter.deadLetterId));
  if (letters.length === 0) return 0;
  const now = runtime.kit.clock.now();
  const entries = letters.map(({ letter, envelope: e }) => ({
    id: letter.deadLetterId,
    // The whole identity, not just the status: a dead letter can outlive its record (statusTtl),
    // and a few fields alone do not read back as a record (GET /jobs/:id would say 404).
    record: e
      ? recordPairs({ id: e.id, type: e.type, status: "queued", mode: "stream", attempts: 0, maxAttempts: e.maxAttempts, enqueuedAt: e.enqueuedAt, updatedAt: now })
      : [],
  }));
  const recordKeys = letters.map(({ letter: l }) => runtime.kit.keys.queueJob(l.jobId ?? `unreadable-${l.deadLetterId}`));
  const [moved, trimmed] = await mustReach(runtime, "queue.requeue-dead", () =>
    runScript(redis, REQUEUE_DEAD, [runtime.deadKey, runtime.streamKey, ...recordKeys], [
      runtime.settings.maxLength, runtime.settings.statusTtlSeconds, JSON.stringify(entries),
    ]),
  );
  if (trimmed > 0) {
    warnTrimmed(runtime, trimmed, "requeueing dead letters");
    await countQueue(runtime, { trimmed });
  }
  return moved;
}
