/**
 * Trend history for the dashboard, kept in Redis so every instance draws the same lines: one hash per
 * minute (`{prefix}:counter-minute:dashboard:{epochMinute}`) holding that minute's last snapshot of
 * the cumulative counters and gauges, expiring with the counter buckets (2 h). A per-minute figure is
 * the difference between two consecutive samples, so a sample is cheap (one HSET + EXPIRE) and a
 * missed minute only leaves a gap, never a wrong number.
 */
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import { guard } from "../resilience";
import type { MetricsSnapshot } from "./metrics-snapshot";
import { hitRatePercent } from "./redis-info";

const HISTORY_NAME = "dashboard";

/** The figures sampled each minute. Counters are cumulative totals, gauges point-in-time values. */
export interface HistorySample {
  latencyMs?: number;
  cacheHits?: number;
  cacheMisses?: number;
  allowed?: number;
  denied?: number;
  degraded?: number;
  queueLength?: number;
  queueLag?: number;
  deadLetters?: number;
  lockContended?: number;
}

/** Per-minute series, oldest first; `null` where no sample (or no previous sample) exists. */
export interface HistorySeries {
  /** Epoch minute of each point. */
  minutes: number[];
  latencyMs: (number | null)[];
  /** Hit rate of the lookups made during that minute. */
  cacheHitRatePercent: (number | null)[];
  /** Rate-limit decisions during that minute. */
  allowed: (number | null)[];
  denied: (number | null)[];
  queueLength: (number | null)[];
  deadLetters: (number | null)[];
}

export function sampleFromSnapshot(s: MetricsSnapshot): HistorySample {
  const queues = s.queues ?? [];
  const sum = (pick: (q: (typeof queues)[number]) => number | null) =>
    queues.reduce((total, q) => total + (pick(q) ?? 0), 0);
  const sample: HistorySample = {
    latencyMs: s.redis.latencyMs ?? undefined,
    // Unknown counters (a degraded read) are left out of the sample: a 0 would read as a reset.
    cacheHits: s.cache && s.cache.hits !== null && s.cache.stale !== null ? s.cache.hits + s.cache.stale : undefined,
    cacheMisses: s.cache?.misses ?? undefined,
    allowed: s.rateLimit?.allowed,
    denied: s.rateLimit?.denied,
    degraded: s.rateLimit?.degraded,
    lockContended: s.lock?.contended,
    ...(s.queues ? { queueLength: sum((q) => q.length), queueLag: sum((q) => q.lag), deadLetters: sum((q) => q.deadLetters) } : {}),
  };
  return Object.fromEntries(Object.entries(sample).filter(([, v]) => v !== undefined)) as HistorySample;
}

/** Stores `sample` as this minute's point (the last write in a minute wins). Degrades to a no-op. */
export async function recordHistorySample(kit: Kit, sample: HistorySample, timeoutMs = 500): Promise<boolean> {
  const redis = kit.redis;
  if (!redis || Object.keys(sample).length === 0) return false;
  const key = kit.keys.counterMinute(HISTORY_NAME, epochMinute(kit.clock.now()));
  const { degraded } = await guard(
    async () => {
      await Promise.all([redis.hset(key, sample as Record<string, number>), redis.expire(key, DEFAULT_TTLS.counter.minuteBucketSeconds)]);
      return true;
    },
    { name: "metrics.history.write", timeoutMs, failPolicy: "open", fallback: () => false, breaker: kit.breaker, clock: kit.clock },
  );
  return !degraded;
}

/** Reads the last `minutes` minutes (one pipelined request) and turns samples into per-minute series. */
export async function readHistory(kit: Kit, minutes = 30, timeoutMs = 800): Promise<HistorySeries | null> {
  const redis = kit.redis;
  if (!redis) return null;
  const now = epochMinute(kit.clock.now());
  // One extra minute in front: the first point's per-minute delta needs the sample before it.
  const range = Array.from({ length: minutes + 1 }, (_, i) => now - minutes + i);
  const { value } = await guard(
    // One pipeline: HGETALL is never auto-pipelined by @upstash/redis, and 31 requests per poll would be absurd.
    async () => {
      const pipeline = redis.pipeline();
      for (const m of range) pipeline.hgetall(kit.keys.counterMinute(HISTORY_NAME, m));
      return pipeline.exec<(Record<string, unknown> | null)[]>();
    },
    { name: "metrics.history.read", timeoutMs, failPolicy: "open", fallback: () => null, breaker: kit.breaker, clock: kit.clock },
  );
  if (!value) return null;
  return toSeries(range, value.map(parseSample));
}

/** Pure: samples (with one leading extra minute) → per-minute series. Exported for tests. */
export function toSeries(range: number[], samples: (HistorySample | null)[]): HistorySeries {
  const delta = (field: keyof HistorySample, i: number): number | null => {
    const cur = samples[i]?.[field];
    const prev = samples[i - 1]?.[field];
    // A counter that went down was reset (flushed Redis): no honest per-minute value for that minute.
    return cur === undefined || prev === undefined || cur < prev ? null : cur - prev;
  };
  const gauge = (field: keyof HistorySample, i: number): number | null => samples[i]?.[field] ?? null;
  const points = range.slice(1).map((_, j) => j + 1);
  return {
    minutes: points.map((i) => range[i]!),
    latencyMs: points.map((i) => gauge("latencyMs", i)),
    cacheHitRatePercent: points.map((i) => {
      const hits = delta("cacheHits", i);
      const misses = delta("cacheMisses", i);
      return hits === null || misses === null ? null : hitRatePercent(hits, misses);
    }),
    allowed: points.map((i) => delta("allowed", i)),
    denied: points.map((i) => delta("denied", i)),
    queueLength: points.map((i) => gauge("queueLength", i)),
    deadLetters: points.map((i) => gauge("deadLetters", i)),
  };
}

function parseSample(raw: Record<string, unknown> | null): HistorySample | null {
  if (!raw) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    const n = Number(v);
    if (Number.isFinite(n)) out[k] = n;
  }
  return out as HistorySample;
}

function epochMinute(ms: number): number {
  return Math.floor(ms / 60_000);
}
