/**
 * A consecutive-failure circuit breaker on the injected Clock (modelled on bentocache's L2
 * breaker). While Redis is down, calls are skipped instead of each one waiting for its own
 * timeout; after the cooldown exactly one trial call goes through (half-open).
 */
import { systemClock, type Clock } from "../clock";
import type { BreakerState, RedisBreakerEvent } from "./events";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (integer >= 1). */
  threshold: number;
  /** How long the circuit stays open before one trial call is allowed. */
  cooldownMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** Receives every state transition. */
  emit?: (event: RedisBreakerEvent) => void;
}

export interface CircuitBreaker {
  /** Current state; an open circuit whose cooldown elapsed reports (and becomes) `half-open`. */
  state(): BreakerState;
  /**
   * Whether a call may go to Redis now. In `half-open` only the first caller gets `true` (the
   * trial); others get `false` until the trial reports back, or until it has been out for a whole
   * cooldown (so a trial that never reports — e.g. the op threw a non-Redis error — cannot wedge it).
   */
  canAttempt(): boolean;
  /** Milliseconds until a call may be attempted again (0 when it may be attempted now). */
  retryAfterMs(): number;
  /** Redis answered (a reply, even an error reply): closes the circuit and resets the count. */
  onSuccess(): void;
  /**
   * Redis did not answer (timeout, transport failure): counts, opens or re-opens. `cause`, when an
   * object, is counted once however many callers report it: a request that joined several callers'
   * pipelines (lib/redis/coalescing-requester.ts) fails them all with the same error object, and one
   * failed HTTP request must not open the circuit alone. guard() passes, for its own timeouts, one
   * key per event-loop turn the guards started in, for the same reason (lib/resilience/guard.ts).
   */
  onFailure(cause?: unknown): void;
}

/**
 * Creates a breaker. The config form `breaker: false` means "no breaker": the composition root
 * passes `false` to `guard()` instead of calling this.
 *
 * @example
 * const breaker = createCircuitBreaker({ threshold: 5, cooldownMs: 10_000, emit });
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { threshold, cooldownMs, clock = systemClock, emit } = options;
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`threshold must be an integer >= 1, got ${threshold}`);
  if (!Number.isFinite(cooldownMs) || cooldownMs < 0) throw new RangeError(`cooldownMs must be >= 0, got ${cooldownMs}`);

  let current: BreakerState = "closed";
  let failures = 0;
  let openedAt = 0;
  let trialStartedAt: number | undefined;
  const counted = new WeakSet<object>();

  function openRemainingMs(now: number): number {
    return Math.max(0, openedAt + cooldownMs - now);
  }

  function transition(next: BreakerState, now: number): void {
    const previous = current;
    if (previous === next) return;
    current = next;
    if (next === "open") openedAt = now;
    if (next !== "half-open") trialStartedAt = undefined;
    emit?.({
      type: "redis.breaker",
      state: next,
      previous,
      consecutiveFailures: failures,
      retryAfterMs: next === "open" ? cooldownMs : 0,
    });
  }

  /** The open → half-open edge happens lazily, the first time anyone looks after the cooldown. */
  function refresh(now: number): BreakerState {
    if (current === "open" && openRemainingMs(now) === 0) transition("half-open", now);
    return current;
  }

  return {
    state: () => refresh(clock.now()),

    canAttempt() {
      const now = clock.now();
      const state = refresh(now);
      if (state === "closed") return true;
      if (state === "open") return false;
      if (trialStartedAt !== undefined && now - trialStartedAt < cooldownMs) return false;
      trialStartedAt = now;
      return true;
    },

    retryAfterMs() {
      const now = clock.now();
      const state = refresh(now);
      if (state === "open") return openRemainingMs(now);
      if (state === "half-open" && trialStartedAt !== undefined) return Math.max(0, trialStartedAt + cooldownMs - now);
      return 0;
    },

    onSuccess() {
      const now = clock.now();
      refresh(now);
      failures = 0;
      trialStartedAt = undefined;
      transition("closed", now);
    },

    onFailure(cause) {
      if (typeof cause === "object" && cause !== null) {
        if (counted.has(cause)) return;
        counted.add(cause);
      }
      const now = clock.now();
      const state = refresh(now);
      failures += 1;
      // half-open: the trial failed, Redis is still down → a full cooldown again.
      // open: the failure comes from a call started before the circuit opened; it must not push
      // the cooldown further out, so nothing changes.
      if (state === "half-open" || (state === "closed" && failures >= threshold)) transition("open", now);
    },
  };
}
