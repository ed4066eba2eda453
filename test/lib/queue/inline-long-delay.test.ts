/**
 * Inline delays beyond what one timer can hold: setTimeout takes at most 2^31 − 1 ms (~24.8 days);
 * anything longer overflows and fires after 1 ms in Node (browsers and workerd clamp it too). A job
 * delayed by a month must not run at once.
 */
import { describe, expect, it } from "vitest";
import { createTestKit } from "../../setup/kit";
import { streamKit, testQueue, type Run } from "./fixtures";

describe("inline mode, long delays", () => {
  it("a job delayed by 30 days is still waiting, not run at once", async () => {
    const runs: Run[] = [];
    const queue = testQueue(createTestKit(), runs);
    const { id } = await queue.enqueue("echo", { message: "next month" }, { delay: "30 d" });
    // Far more than the 1 ms an overflowed timer waits; nothing can legitimately run within it.
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toEqual([]);
    expect(await queue.getJob(id)).toMatchObject({ status: "queued", attempts: 0 });
  });
});

describe("job time limits past a timer's range", () => {
  it("are refused when the queue is created (one setTimeout cannot wait past ~24.8 days: every job would time out at once)", () => {
    expect(() => testQueue(streamKit(), [], { jobTimeout: "30 d" })).toThrow(/jobTimeout must be at most 2147483647 ms/);
    expect(() => testQueue(streamKit(), [], { jobTimeout: "24 d" })).not.toThrow();
  });
});
