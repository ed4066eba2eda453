/**
 * Waits between lock attempts: exponential from `delay`, capped at 8× it, with "equal jitter"
 * (each wait is 50-100 % of its step) so contenders that collided once do not collide again in
 * lockstep. redlock uses a fixed 200 ± 100 ms; @upstash/lock a fixed 100 ms and no jitter.
 */

/** Wait before retry `retryIndex` (0 = before the 2nd try), in ms. `random` in [0, 1). */
export function retryDelayMs(baseMs: number, retryIndex: number, random: number = Math.random()): number {
  const step = baseMs * Math.min(8, 2 ** retryIndex);
  return Math.round(step / 2 + (step / 2) * random);
}

/** Promise-based sleep (Web-standard timers only). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
