/**
 * Outcome counters (allowed, denied, degraded…) summed in the isolate and flushed to the shared
 * Redis counters (lib/observability `recordCounts`) at most once per `flushMs`, through waitUntil.
 *
 * Why buffer: a counter write per request would add an HTTP request to every cached denial, which is
 * exactly the traffic the ephemeral cache exists to keep off Redis (an abusive flood). The cost is
 * that an isolate that dies between flushes loses up to `flushMs` of counts.
 */
import type { GateKit } from "../kit";
import { recordCounts } from "../observability";

export interface CountBuffer {
  add(field: string, by?: number): void;
  /** Starts a flush if one is due (or `force`); returns its promise for waitUntil, or undefined. */
  flushIfDue(force?: boolean): Promise<void> | undefined;
}

export function createCountBuffer(kit: GateKit, feature: string, flushMs: number): CountBuffer {
  let pending: Record<string, number> = {};
  // The first flush is one interval after creation, not on the first request: a cold isolate's first
  // (cached or deny-listed) refusal must cost no request either.
  let lastFlushAt = kit.clock.now();
  return {
    add(field, by = 1) {
      pending[field] = (pending[field] ?? 0) + by;
    },
    flushIfDue(force = false) {
      const now = kit.clock.now();
      if (!force && now - lastFlushAt < flushMs) return undefined;
      if (Object.keys(pending).length === 0) return undefined;
      lastFlushAt = now;
      const fields = pending;
      pending = {};
      return recordCounts(kit, feature, fields);
    },
  };
}
