/**
 * Queue options, their defaults, and the runtime state every part of the queue shares.
 * Defaults follow cache-and-queue.md §B6 (dedupe window as QStash, reclaim above maxDuration).
 */
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import type { StreamRedis } from "../redis";
import { MAX_TIMER_MS, toMs, type Duration } from "../duration";
import { resolveBackoff, type BackoffOptions, type ResolvedBackoff } from "./backoff";
import type { JobRegistry } from "./job-definition";

export interface QueueOptions<R extends JobRegistry> {
  /** The job types this queue accepts and runs (see `defineJobs`). */
  jobs: R;
  /** Queue name: one stream, delayed set and dead-letter stream per name. @default "default" */
  name?: string;
  /** Default for job types without their own. @default 3 */
  maxAttempts?: number;
  /** Default for job types without their own. @default exponential 1 s ×2, ≤ 5 min, 50 % jitter */
  backoff?: BackoffOptions;
  /** Default handler time limit. @default "30 s" */
  jobTimeout?: Duration;
  /**
   * A delivered job idle this long (its consumer crashed or was frozen) is reclaimed by another
   * consumer. Must exceed any consume budget, or live work would be stolen. @default "90 s"
   */
  reclaimAfter?: Duration;
  /** How long a dedupe id blocks a second enqueue. @default "10 m" (QStash's window) */
  dedupeWindow?: Duration;
  /** `MAXLEN ~` of the stream, i.e. how many jobs may wait (acked jobs are deleted). @default 100_000 */
  maxLength?: number;
  /** `MAXLEN ~` of the dead-letter stream. @default 10_000 */
  deadLetterMaxLength?: number;
  /** How long a job's status stays readable after its last change. @default 7 days */
  statusTtl?: Duration;
  /** Jitter source, injectable for tests. @default Math.random */
  random?: () => number;
}

export interface QueueSettings {
  name: string;
  group: string;
  maxAttempts: number;
  backoff: ResolvedBackoff;
  jobTimeoutMs: number;
  reclaimAfterMs: number;
  dedupeWindowMs: number;
  maxLength: number;
  deadLetterMaxLength: number;
  statusTtlSeconds: number;
  random: () => number;
}

/** Everything the producer, consumer and operations share; internal. */
export interface QueueRuntime<R extends JobRegistry = JobRegistry> {
  kit: Kit;
  /** `null` in memory mode: only inline execution is possible. */
  redis: StreamRedis | null;
  jobs: R;
  settings: QueueSettings;
  streamKey: string;
  delayedKey: string;
  deadKey: string;
  counterName: string;
}

/** The consumer group every consumer of a queue joins. */
export const CONSUMER_GROUP = "workers";

export function resolveSettings(options: QueueOptions<JobRegistry>): QueueSettings {
  const name = options.name ?? "default";
  const maxAttempts = options.maxAttempts ?? 3;
  positiveInteger("maxAttempts", maxAttempts);
  const maxLength = options.maxLength ?? 100_000;
  positiveInteger("maxLength", maxLength);
  const deadLetterMaxLength = options.deadLetterMaxLength ?? 10_000;
  positiveInteger("deadLetterMaxLength", deadLetterMaxLength);
  const reclaimAfterMs = toMs(options.reclaimAfter ?? "90 s");
  if (reclaimAfterMs < 100) throw new RangeError(`reclaimAfter must be at least 100 ms, got ${reclaimAfterMs} ms`);
  const statusTtlSeconds = Math.ceil(
    options.statusTtl === undefined ? DEFAULT_TTLS.queue.jobStatusSeconds : toMs(options.statusTtl) / 1000,
  );
  positiveInteger("statusTtl (seconds)", statusTtlSeconds);
  const jobTimeoutMs = timerBound("jobTimeout", toMs(options.jobTimeout ?? "30 s"));
  return Object.freeze({
    name,
    group: CONSUMER_GROUP,
    maxAttempts,
    backoff: resolveBackoff(options.backoff),
    jobTimeoutMs,
    reclaimAfterMs,
    dedupeWindowMs: toMs(options.dedupeWindow ?? "10 m"),
    maxLength,
    deadLetterMaxLength,
    statusTtlSeconds,
    random: options.random ?? Math.random,
  });
}

/**
 * A job time limit is one setTimeout, whose delay is a signed 32-bit count of ms: past ~24.8 days it
 * overflows and fires at once (Node; other runtimes clamp alike), so every job would time out on start.
 */
function timerBound(name: string, ms: number): number {
  if (ms > MAX_TIMER_MS) throw new RangeError(`${name} must be at most ${MAX_TIMER_MS} ms (~24.8 days, a timer's limit), got ${ms} ms`);
  return ms;
}

export function createRuntime<R extends JobRegistry>(kit: Kit, options: QueueOptions<R>): QueueRuntime<R> {
  const settings = resolveSettings(options);
  for (const [type, definition] of Object.entries(options.jobs)) {
    if (definition.maxAttempts !== undefined) positiveInteger(`jobs["${type}"].maxAttempts`, definition.maxAttempts);
    if (definition.backoff !== undefined) resolveBackoff(definition.backoff);
    if (definition.timeout !== undefined) timerBound(`jobs["${type}"].timeout`, toMs(definition.timeout));
  }
  return {
    kit,
    redis: kit.redis,
    jobs: options.jobs,
    settings,
    streamKey: kit.keys.queueStream(settings.name),
    delayedKey: kit.keys.queueDelayed(settings.name),
    deadKey: kit.keys.queueDeadLetter(settings.name),
    counterName: `queue.${settings.name}`,
  };
}

function positiveInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a whole number ≥ 1, got ${value}`);
}
