/**
 * Retry delays: exponential (or fixed) with jitter, in the shape BullMQ users know
 * (`backoff: { type: "exponential", delay }`), plus a cap so attempt 20 does not wait for weeks.
 *
 * Jitter is a fraction: the delay is drawn uniformly from `[d × (1 − jitter), d]`. `1` is AWS's
 * "full jitter" (spreads a thundering herd of retries the most), `0` is deterministic.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
import { toMs, type Duration } from "../duration";

export type BackoffOptions =
  | {
      type: "exponential";
      /** Delay before the 2nd attempt; doubles for each further one. @default "1 s" */
      delay?: Duration;
      /** Upper bound of any single delay. @default "5 m" */
      maxDelay?: Duration;
      /** Fraction of the delay that is randomised, 0..1. @default 0.5 */
      jitter?: number;
    }
  | {
      type: "fixed";
      delay: Duration;
      /** @default 0 */
      jitter?: number;
    };

/** Backoff in milliseconds, validated once: what travels with the job. */
export interface ResolvedBackoff {
  type: "exponential" | "fixed";
  delayMs: number;
  maxDelayMs: number;
  jitter: number;
}

export const DEFAULT_BACKOFF: ResolvedBackoff = Object.freeze({
  type: "exponential",
  delayMs: 1000,
  maxDelayMs: 5 * 60_000,
  jitter: 0.5,
});

/** Validates and converts to milliseconds. @throws RangeError on a negative delay or jitter outside 0..1 */
export function resolveBackoff(options: BackoffOptions | undefined): ResolvedBackoff {
  if (options === undefined) return DEFAULT_BACKOFF;
  const jitter = options.jitter ?? (options.type === "exponential" ? DEFAULT_BACKOFF.jitter : 0);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff.jitter must be within 0..1, got ${jitter}`);
  if (options.type === "fixed") {
    const delayMs = toMs(options.delay);
    return { type: "fixed", delayMs, maxDelayMs: delayMs, jitter };
  }
  const delayMs = options.delay === undefined ? DEFAULT_BACKOFF.delayMs : toMs(options.delay);
  const maxDelayMs = options.maxDelay === undefined ? Math.max(delayMs, DEFAULT_BACKOFF.maxDelayMs) : toMs(options.maxDelay);
  if (maxDelayMs < delayMs) throw new RangeError(`backoff.maxDelay (${maxDelayMs} ms) is below backoff.delay (${delayMs} ms)`);
  return { type: "exponential", delayMs, maxDelayMs, jitter };
}

/**
 * Wait before attempt `nextAttempt` (2 = the first retry).
 * Exponential: `min(maxDelay, delay × 2^(nextAttempt − 2))`, then jittered down by up to `jitter`.
 * @param random a source in [0, 1) — injectable so tests pin the result
 * @example backoffDelayMs(DEFAULT_BACKOFF, 3, () => 0.999) // ≈ 2000
 */
export function backoffDelayMs(backoff: ResolvedBackoff, nextAttempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, nextAttempt - 2);
  const base =
    backoff.type === "fixed" ? backoff.delayMs : Math.min(backoff.maxDelayMs, backoff.delayMs * 2 ** Math.min(exponent, 52));
  return Math.round(base * (1 - backoff.jitter * random()));
}
