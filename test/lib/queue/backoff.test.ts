import { describe, expect, it } from "vitest";
import { backoffDelayMs, DEFAULT_BACKOFF, resolveBackoff } from "@/lib/queue";

describe("backoff", () => {
  const noJitter = resolveBackoff({ type: "exponential", delay: "100 ms", maxDelay: "1 s", jitter: 0 });

  it("doubles from `delay` for each retry and stops at `maxDelay`", () => {
    expect([2, 3, 4, 5, 6, 7].map((attempt) => backoffDelayMs(noJitter, attempt))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("jitter draws from [d × (1 − jitter), d]", () => {
    const half = resolveBackoff({ type: "exponential", delay: "1 s", jitter: 0.5 });
    expect(backoffDelayMs(half, 3, () => 0)).toBe(2000);
    expect(backoffDelayMs(half, 3, () => 0.999999)).toBe(1000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(half, 3);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it("fixed backoff waits the same for every retry", () => {
    const fixed = resolveBackoff({ type: "fixed", delay: "250 ms" });
    expect([2, 5, 9].map((a) => backoffDelayMs(fixed, a))).toEqual([250, 250, 250]);
  });

  it("defaults: 1 s doubling, capped at 5 min, 50 % jitter", () => {
    expect(DEFAULT_BACKOFF).toEqual({ type: "exponential", delayMs: 1000, maxDelayMs: 300_000, jitter: 0.5 });
    expect(backoffDelayMs(DEFAULT_BACKOFF, 40, () => 0)).toBe(300_000);
  });

  it("refuses jitter outside 0..1 and a cap below the base delay", () => {
    expect(() => resolveBackoff({ type: "exponential", jitter: 1.5 })).toThrow(RangeError);
    expect(() => resolveBackoff({ type: "exponential", delay: "2 s", maxDelay: "1 s" })).toThrow(/maxDelay/);
    expect(() => resolveBackoff({ type: "fixed", delay: "-1 s" as never })).toThrow(RangeError);
  });
});
