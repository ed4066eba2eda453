/**
 * enqueue: validate → dedupe + status record + XADD/ZADD in one script (stream mode), or record and
 * run in-process after the response (inline mode). Nothing is written for an invalid job. The job
 * carries the validated *input*; the runner parses it (payload.ts).
 */
import { toMs, type Duration } from "../duration";
import { DEFAULT_TTLS } from "../keys";
import { runScript } from "../redis/run-script";
import { resolveBackoff, type BackoffOptions } from "./backoff";
import { encodeEnvelope, type JobEnvelope } from "./envelope";
import { bestEffort, mustReach } from "./guarded";
import { runInline } from "./inline-runner";
import { parseJobRecord, recordPairs, type JobMode, type JobRecord, type JobStatus } from "./job-record";
import { resolveQueueMode } from "./mode";
import { validateJob } from "./payload";
import { ENQUEUE } from "./scripts";
import type { QueueRuntime } from "./settings";
import { counterKeys, warnTrimmed } from "./throughput";

/** How far a delay extends the status record's TTL at most (100 years: any real delay). */
const MAX_RECORD_DELAY_MS = 100 * 365 * 86_400_000;

export interface EnqueueOptions {
  /** Run no earlier than this from now. */
  delay?: Duration;
  /** Overrides the job type's / queue's value for this job. */
  maxAttempts?: number;
  /** Overrides the job type's / queue's backoff for this job. */
  backoff?: BackoffOptions;
  /**
   * Enqueue once per id within the window: a second enqueue returns the first job's id with
   * `duplicate: true` (BullMQ's jobId / QStash's Upstash-Deduplication-Id).
   */
  dedupe?: { id: string; window?: Duration };
  /**
   * Keeps the platform alive for inline runs (Vercel/Workers `waitUntil`, Next `after`). Without
   * it the inline run is a detached promise: fine on a long-lived Node server only.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface EnqueueResult {
  id: string;
  status: JobStatus;
  mode: JobMode;
  /** True when a job with the same dedupe id was enqueued within the window; `id` is that job's. */
  duplicate: boolean;
  /** Set for delayed jobs. */
  runAt?: number;
  /**
   * Redis was unreachable for part of the enqueue: the USE_REDIS_QUEUE flag could not be read, so the
   * env setting chose `mode` (either mode); or, inline, status and dedupe were not recorded (the job
   * still runs).
   */
  degraded?: string;
}

export async function enqueue(runtime: QueueRuntime, type: string, input: unknown, options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const { definition, payload } = validateJob(runtime.jobs, type, input);
  const { kit, settings } = runtime;
  const maxAttempts = options.maxAttempts ?? definition.maxAttempts ?? settings.maxAttempts;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  const backoff = options.backoff ? resolveBackoff(options.backoff) : definition.backoff ? resolveBackoff(definition.backoff) : settings.backoff;
  const delayMs = options.delay === undefined ? 0 : toMs(options.delay);
  const dedupe = options.dedupe;
  if (dedupe !== undefined && (typeof dedupe.id !== "string" || dedupe.id.length === 0)) throw new RangeError("dedupe.id must be a non-empty string");
  const dedupeWindowMs = dedupe?.window === undefined ? settings.dedupeWindowMs : toMs(dedupe.window);
  if (dedupe && dedupeWindowMs < 1) throw new RangeError("dedupe.window must be at least 1 ms");

  const modeDecision = await resolveQueueMode(kit);
  const mode = runtime.redis ? modeDecision.mode : "inline";
  const now = kit.clock.now();
  const envelope: JobEnvelope = { id: crypto.randomUUID(), type, payload, maxAttempts, backoff, enqueuedAt: now };
  const runAt = delayMs > 0 ? now + delayMs : undefined;
  const record: JobRecord = {
    id: envelope.id, type, status: "queued", mode, attempts: 0, maxAttempts, enqueuedAt: now, updatedAt: now,
    ...(runAt === undefined ? {} : { runAt }),
    ...(dedupe ? { dedupeId: dedupe.id } : {}),
  };
  const keys = [runtime.streamKey, runtime.delayedKey, kit.keys.queueJob(envelope.id), ...counterKeys(runtime, now)];
  if (dedupe) keys.push(kit.keys.queueDedupe(settings.name, dedupe.id));
  // A delayed job's record must outlive the wait: once expired, later updates (processing,
  // completed) would write a few fields only, which read back as no record at all.
  // Capped: EXPIRE refuses a TTL past Redis's range (a `delay: 1e300` job would then not enqueue).
  const recordTtlSeconds = settings.statusTtlSeconds + Math.ceil(Math.min(delayMs, MAX_RECORD_DELAY_MS) / 1000);
  const args = [
    mode === "stream" ? "stream" : "record", encodeEnvelope(envelope), runAt ?? 0, settings.maxLength, recordTtlSeconds,
    dedupeWindowMs, envelope.id, DEFAULT_TTLS.counter.minuteBucketSeconds, ...recordPairs(record),
  ];
  const redis = runtime.redis;

  if (mode === "stream" && redis) {
    const [outcome, id, trimmed] = await mustReach(runtime, "queue.enqueue", () => runScript(redis, ENQUEUE, keys, args));
    if (outcome === "duplicate") return duplicateResult(runtime, String(id), mode);
    // Already counted by the script; the log line is for whoever watches the logs.
    if (trimmed > 0) warnTrimmed(runtime, trimmed, "enqueueing");
    // The flag read's degradation, if any: the env default chose this mode (never silently).
    return { id: envelope.id, status: "queued", mode, duplicate: false, ...(runAt === undefined ? {} : { runAt }), ...(modeDecision.degraded ? { degraded: modeDecision.degraded } : {}) };
  }

  let degraded: string | undefined = modeDecision.degraded;
  let recorded = false;
  if (redis) {
    const written = await bestEffort(runtime, "queue.enqueue-inline", () => runScript(redis, ENQUEUE, keys, args), null);
    if (written.degraded) degraded = written.degraded;
    else if (written.value?.[0] === "duplicate") return duplicateResult(runtime, String(written.value[1]), mode);
    else recorded = true;
  }
  // Not recorded (no Redis, or Redis down): the job still runs; the status just cannot be read.
  const run = runInline(runtime, definition, envelope, delayMs, recorded);
  options.waitUntil?.(run);
  return { id: envelope.id, status: "queued", mode, duplicate: false, ...(runAt === undefined ? {} : { runAt }), ...(degraded ? { degraded } : {}) };
}

async function duplicateResult(runtime: QueueRuntime, id: string, mode: JobMode): Promise<EnqueueResult> {
  const existing = await readJob(runtime, id);
  return { id, status: existing?.status ?? "queued", mode: existing?.mode ?? mode, duplicate: true };
}

/** The status record of a job, or null when unknown or expired. */
export async function readJob(runtime: QueueRuntime, id: string): Promise<JobRecord | null> {
  const redis = runtime.redis;
  if (!redis || id.length === 0) return null;
  const raw = await mustReach(runtime, "queue.get-job", () => redis.hgetall(runtime.kit.keys.queueJob(id)));
  return parseJobRecord(raw);
}
