/**
 * Shared operational counters: one Redis hash per feature (`{prefix}:counter:{feature}`), fields are
 * outcomes ("allowed", "denied", "degraded", "hits"…). In Redis, not per process, so every instance
 * (and the metrics endpoint) sees the same monotonic numbers (runtime-facts §12: per-process counters
 * on serverless reset and interleave). Writes are fire-and-forget through waitUntil, off the request's
 * critical path; a failed write is logged once per burst, never thrown.
 */
import type { GateKit, Kit } from "../kit";
import { guard, kitGuardOptions } from "../resilience";

export type CounterFields = Readonly<Record<string, number>>;

let lastWarnAt = 0;

/**
 * HINCRBY each field of `feature`'s counter hash (auto-pipelined: one HTTP request for all fields).
 * Returns the promise so callers can hand it to waitUntil; it never rejects.
 */
export function recordCounts(kit: GateKit, feature: string, fields: CounterFields): Promise<void> {
  const redis = kit.redis;
  const entries = Object.entries(fields).filter(([, by]) => by !== 0);
  if (!redis || entries.length === 0) return Promise.resolve();
  const key = kit.keys.counter(feature);
  // Through guard(): the kit's budget and its one breaker, so an outage does not keep firing HINCRBYs
  // at a dead Redis from every request; a lost write is visible (degraded → log line), never thrown.
  return guard(() => Promise.all(entries.map(([field, by]) => redis.hincrby(key, field, by))), {
    ...kitGuardOptions(kit, `counters.${feature}`),
    failPolicy: "open",
    fallback: () => null,
  }).then(
    (result) => {
      if (result.degraded) warnLost(kit, feature, result.degraded);
    },
    (err: unknown) => warnLost(kit, feature, err),
  );
}

function warnLost(kit: GateKit, feature: string, cause: unknown): void {
  const now = kit.clock.now();
  if (now - lastWarnAt > 10_000) {
    lastWarnAt = now;
    console.warn(`[edge-kit] counter write failed for "${feature}" (counts lost, request unaffected):`, cause);
  }
}

/** Reads a feature's counters (missing fields are absent; values are numbers). */
export async function readCounts(kit: Kit, feature: string): Promise<Record<string, number>> {
  if (!kit.redis) return {};
  const raw = (await kit.redis.hgetall<Record<string, number | string>>(kit.keys.counter(feature))) ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
}
