/**
 * Durations given as plain milliseconds may be fractional (`toMs` accepts any finite number ≥ 0,
 * while "1.5 s" strings are rounded). Redis's PX and XAUTOCLAIM's min-idle take whole numbers only:
 * a fractional value must not turn into a Redis error reply on every enqueue or consume.
 */
import { describe, expect, it } from "vitest";
import { streamKit, testQueue } from "./fixtures";

describe("fractional millisecond durations", () => {
  it("a dedupe window of 1500.5 ms deduplicates like 1501 ms", async () => {
    const queue = testQueue(streamKit());
    const first = await queue.enqueue("echo", { message: "a" }, { dedupe: { id: "d-1", window: 1500.5 } });
    expect(await queue.enqueue("echo", { message: "a" }, { dedupe: { id: "d-1", window: 1500.5 } })).toMatchObject({ id: first.id, duplicate: true });
  });

  it("a queue-wide dedupeWindow and reclaimAfter in fractional ms enqueue and consume", async () => {
    const queue = testQueue(streamKit(), [], { dedupeWindow: 60_000.5, reclaimAfter: 2000.5 });
    await queue.enqueue("echo", { message: "a" }, { dedupe: { id: "d-2" } });
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ completed: 1 });
  });
});
