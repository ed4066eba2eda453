/** lib/duration: the one parser of time units. */
import { describe, expect, it } from "vitest";
import { toMs } from "@/lib/duration";
import { resolveIdempotencyPolicy } from "@/lib/idempotency/policy";
import { loadConfig } from "@/lib/config";

describe("toMs", () => {
  it.each([
    ["300 ms", 300],
    ["15 s", 15_000],
    ["1.5s", 1_500],
    ["5 m", 300_000],
    ["24 h", 86_400_000],
    ["90 d", 7_776_000_000],
    [1500, 1500],
  ] as const)("%j → %d ms", (input, ms) => {
    expect(toMs(input)).toBe(ms);
  });

  it("answers whole milliseconds for numbers too, rounded up (Redis's PX refuses a fraction; a positive duration stays positive)", () => {
    expect(toMs(1500.5)).toBe(1501);
    expect(toMs(1500.2)).toBe(1501);
    expect(toMs(0.2)).toBe(1);
    expect(toMs(0)).toBe(0);
    expect(toMs("0.5 ms")).toBe(1);
  });

  it("so a fractional lease resolves to a lease Redis accepts", () => {
    const resolved = resolveIdempotencyPolicy({ lease: 1500.5, retention: 60_000.25 }, loadConfig({ NODE_ENV: "test" }));
    expect(Number.isInteger(resolved.leaseMs) && Number.isInteger(resolved.retentionMs)).toBe(true);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, "5 weeks", "ten s", ""])("refuses %j", (input) => {
    expect(() => toMs(input as never)).toThrow(RangeError);
  });
});
