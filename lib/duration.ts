/**
 * Durations as readable strings ("300 ms", "15 s", "5 m", "24 h", "90 d") or plain milliseconds.
 * The only place time units are parsed (same shape as @upstash/ratelimit's `Duration`).
 */
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";
export type Duration = `${number} ${DurationUnit}` | `${number}${DurationUnit}` | number;

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** setTimeout's limit (a signed 32-bit count of ms, ~24.8 days): a longer delay overflows and fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Whole milliseconds in a Duration; throws RangeError on a malformed or negative value. A number is
 * rounded UP (Redis's PX, PEXPIRE and XAUTOCLAIM refuse a fraction, so a `lease: 1500.5` failed every
 * command it reached; up, so a positive duration never becomes 0). Strings round to nearest, as before.
 */
export function toMs(duration: Duration): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) throw new RangeError(`Invalid duration: ${duration}`);
    return Math.ceil(duration);
  }
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(duration.trim());
  if (!match) throw new RangeError(`Invalid duration: "${duration}" (expected e.g. "300 ms", "15 s", "5 m", "24 h", "90 d")`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}
