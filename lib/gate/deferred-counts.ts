/**
 * Counter increments that ride the next Redis round trip instead of paying for their own.
 *
 * Before issue 10 every idempotency outcome (replayed, in-flight, stored…) was one `recordCounts`
 * call through waitUntil — one extra HTTP request per request — and every cache read wrote its
 * hit/miss counter inside the read script (a write on every hit). Here increments are summed per
 * isolate and issued as HINCRBYs in the SAME tick as a gate batch (or an idempotency settle), so
 * auto-pipelining carries them in that request: 0 extra HTTP requests, and one command per counter
 * field per flush instead of one per request. At most one flush per `FLUSH_EVERY_MS`.
 *
 * The price: an isolate that stops receiving gated requests keeps its last second of counts until
 * its next round trip, and loses them if it is reclaimed first (the rate-limit counters make the same
 * trade, lib/ratelimit/count-buffer.ts). Counters are observability, never a decision input.
 */
import type { GateKit } from "../kit";
import { guard, kitGuardOptions } from "../resilience";

/** Minimum time between two flushes of one isolate's buffer. */
export const FLUSH_EVERY_MS = 1000;

interface IncrementBuffer {
  /** hash key → field → amount */
  pending: Map<string, Record<string, number>>;
  lastFlushAt: number;
}

const buffers = new WeakMap<GateKit, IncrementBuffer>();
let lastWarnAt = 0;

/** Adds `fields` to the Redis hash `hashKey` at the next flush (HINCRBY per field). */
export function deferIncrements(kit: GateKit, hashKey: string, fields: Readonly<Record<string, number>>): void {
  if (!kit.redis) return;
  let buffer = buffers.get(kit);
  // The first flush is one interval after the first count, never on a cold isolate's first request.
  if (!buffer) buffers.set(kit, (buffer = { pending: new Map(), lastFlushAt: kit.clock.now() }));
  let counts = buffer.pending.get(hashKey);
  if (!counts) buffer.pending.set(hashKey, (counts = {}));
  for (const [field, by] of Object.entries(fields)) counts[field] = (counts[field] ?? 0) + by;
}

/** Adds `fields` to `feature`'s shared counters (`readCounts(kit, feature)`), at the next flush. */
export function deferCounts(kit: GateKit, feature: string, fields: Readonly<Record<string, number>>): void {
  deferIncrements(kit, kit.keys.counter(feature), fields);
}

/**
 * Issues the buffered increments now (synchronously: call it in the same tick as the Redis calls it
 * should ride with) when a flush is due or `force`; returns the promise for waitUntil, or undefined
 * when there was nothing to send. Never rejects: a failed flush is logged (at most every 10 s) and its
 * counts are lost, never the request.
 */
export function flushDeferredCounts(kit: GateKit, options: { force?: boolean } = {}): Promise<void> | undefined {
  const buffer = buffers.get(kit);
  const redis = kit.redis;
  if (!buffer || !redis || buffer.pending.size === 0) return undefined;
  const now = kit.clock.now();
  if (!options.force && now - buffer.lastFlushAt < FLUSH_EVERY_MS) return undefined;
  buffer.lastFlushAt = now;
  const increments = [...buffer.pending].flatMap(([key, fields]) => Object.entries(fields).filter(([, by]) => by !== 0).map(([field, by]) => [key, field, by] as const));
  buffer.pending.clear();
  // Through guard() like every counter write: the kit's budget and breaker (an open circuit sends nothing).
  // guard() calls the operation synchronously, so the HINCRBYs still join the batch being built in this tick.
  return guard(() => Promise.all(increments.map(([key, field, by]) => redis.hincrby(key, field, by))), {
    ...kitGuardOptions(kit, "counters.deferred"),
    failPolicy: "open",
    fallback: () => null,
  }).then(
    (result) => {
      if (result.degraded) warnLost(now, result.degraded);
    },
    (err: unknown) => warnLost(now, err),
  );
}

function warnLost(now: number, cause: unknown): void {
  if (now - lastWarnAt > 10_000) {
    lastWarnAt = now;
    console.warn("[edge-kit] deferred counter flush failed (counts lost, requests unaffected):", cause);
  }
}
