import { describe, expect, it } from "vitest";
import { readHistory, recordHistorySample, toSeries } from "@/lib/observability";
import { createTestKit } from "../../setup/kit";
import type { Clock } from "@/lib/clock";

describe("per-minute history", () => {
  it("turns cumulative samples into per-minute deltas, gaps as null, resets as null", () => {
    const s = toSeries(
      [10, 11, 12, 13, 14],
      [
        { allowed: 5, cacheHits: 1, cacheMisses: 1, latencyMs: 3 },
        { allowed: 8, cacheHits: 4, cacheMisses: 1, latencyMs: 5 },
        null,
        { allowed: 9, cacheHits: 4, cacheMisses: 2 },
        { allowed: 2, cacheHits: 5, cacheMisses: 2 },
      ],
    );
    expect(s.minutes).toEqual([11, 12, 13, 14]);
    expect(s.allowed).toEqual([3, null, null, null]);
    expect(s.cacheHitRatePercent).toEqual([100, null, null, 100]);
    expect(s.latencyMs).toEqual([5, null, null, null]);
  });

  it("is shared through Redis: one instance records, another reads the same series", async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 30);
    const clock: Clock = { now: () => now };
    const writer = createTestKit({ deps: { clock } });
    const reader = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: writer.keys.prefix }, deps: { clock } });
    expect(await recordHistorySample(writer, { allowed: 10, denied: 1, queueLength: 4 })).toBe(true);
    now += 60_000;
    expect(await recordHistorySample(writer, { allowed: 25, denied: 1, queueLength: 2 })).toBe(true);
    const series = await readHistory(reader, 5);
    expect(series!.minutes).toHaveLength(5);
    expect(series!.allowed.at(-1)).toBe(15);
    expect(series!.denied.at(-1)).toBe(0);
    expect(series!.queueLength.slice(-2)).toEqual([4, 2]);
    expect(series!.allowed.slice(0, 3)).toEqual([null, null, null]);
  });

  it("has no history in memory mode", async () => {
    const kit = createTestKit({ memory: true });
    expect(await recordHistorySample(kit, { allowed: 1 })).toBe(false);
    expect(await readHistory(kit)).toBeNull();
  });
});
