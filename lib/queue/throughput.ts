/**
 * Throughput counters: all-time totals in the shared counter hash (`recordCounts`, read by the
 * metrics endpoint) plus a per-minute hash for "jobs per minute" that expires by itself.
 * Fire-and-forget: a lost count never fails a job; failures are logged, never thrown.
 */
import { DEFAULT_TTLS } from "../keys";
import { recordCounts } from "../observability";
import type { QueueRuntime } from "./settings";

export type QueueCounter =
  | "enqueued" | "duplicates" | "completed" | "failed" | "retried" | "dead" | "reclaimed" | "trimmed" | "requeued" | "deferred";

export type QueueCounts = Partial<Record<QueueCounter, number>>;

/** [all-time hash, this minute's hash]: the counter keys scripts update in the same call (enqueue). */
export function counterKeys(runtime: QueueRuntime, now: number): [string, string] {
  const { kit, counterName } = runtime;
  return [kit.keys.counter(counterName), kit.keys.counterMinute(counterName, Math.floor(now / 60_000))];
}

/** Adds `counts`; the returned promise never rejects (hand it to waitUntil or ignore it). */
export function countQueue(runtime: QueueRuntime, counts: QueueCounts): Promise<void> {
  const entries = Object.entries(counts).filter(([, n]) => n !== undefined && n !== 0) as [QueueCounter, number][];
  const redis = runtime.redis;
  if (entries.length === 0 || !redis) return Promise.resolve();
  const { kit, counterName } = runtime;
  const [, minuteKey] = counterKeys(runtime, kit.clock.now());
  const perMinute = Promise.all([
    ...entries.map(([field, by]) => redis.hincrby(minuteKey, field, by)),
    redis.expire(minuteKey, DEFAULT_TTLS.counter.minuteBucketSeconds),
  ]).then(
    () => undefined,
    (err: unknown) => console.warn(`[edge-kit] queue per-minute counters not written (counts lost, jobs unaffected):`, err),
  );
  return Promise.all([recordCounts(kit, counterName, Object.fromEntries(entries)), perMinute]).then(() => undefined);
}

/**
 * The one log line for waiting jobs dropped by `MAXLEN ~` (enqueue, promotion of due delayed jobs,
 * dead-letter requeue): jobs lost unprocessed must never go unnoticed.
 */
export function warnTrimmed(runtime: QueueRuntime, trimmed: number, during: string): void {
  console.warn(
    `[edge-kit] queue "${runtime.settings.name}" dropped ${trimmed} waiting job(s) unprocessed while ${during}: more than maxLength (${runtime.settings.maxLength}) were waiting`,
  );
}
