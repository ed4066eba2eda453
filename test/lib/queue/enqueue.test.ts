import { describe, expect, it } from "vitest";
import { InvalidPayloadError, UnknownJobTypeError } from "@/lib/queue";
import { fakeClock, streamKit, testQueue, type Run } from "./fixtures";

describe("enqueue (stream mode)", () => {
  it("writes a queued status record and one stream entry", async () => {
    const queue = testQueue(streamKit());
    const result = await queue.enqueue("echo", { message: "hi" });
    expect(result).toEqual({ id: expect.any(String), status: "queued", mode: "stream", duplicate: false });
    expect(await queue.getJob(result.id)).toMatchObject({ id: result.id, type: "echo", status: "queued", attempts: 0, maxAttempts: 3 });
    expect(await queue.stats()).toMatchObject({ length: 1, lag: 1, pending: 0, delayed: 0, totals: { enqueued: 1 } });
  });

  it("rejects an unknown job type and writes nothing", async () => {
    const queue = testQueue(streamKit());
    await expect(queue.enqueueUnchecked("nope", {})).rejects.toBeInstanceOf(UnknownJobTypeError);
    expect((await queue.stats()).length).toBe(0);
  });

  it("rejects a bad payload with every issue and its path, and writes nothing", async () => {
    const queue = testQueue(streamKit());
    const error = await queue.enqueueUnchecked("echo", { message: 42 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect((error as InvalidPayloadError).code).toBe("E_QUEUE_INVALID_PAYLOAD");
    expect((error as InvalidPayloadError).issues).toEqual([{ path: "message", message: expect.stringMatching(/string/i) }]);
    await expect(queue.enqueueUnchecked("echo", null)).rejects.toBeInstanceOf(InvalidPayloadError);
    expect((await queue.stats()).length).toBe(0);
  });

  it("refuses invalid options before writing", async () => {
    const queue = testQueue(streamKit());
    await expect(queue.enqueue("echo", { message: "x" }, { maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue("echo", { message: "x" }, { delay: "soon" as never })).rejects.toThrow(RangeError);
    await expect(queue.enqueue("echo", { message: "x" }, { dedupe: { id: "" } })).rejects.toThrow(RangeError);
    expect((await queue.stats()).length).toBe(0);
  });

  it("enqueues a dedupe id once within the window, and again after it", async () => {
    const queue = testQueue(streamKit());
    const first = await queue.enqueue("echo", { message: "a" }, { dedupe: { id: "order-1", window: "300 ms" } });
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => queue.enqueue("echo", { message: "a" }, { dedupe: { id: "order-1", window: "300 ms" } })),
    );
    expect(concurrent.every((r) => r.duplicate && r.id === first.id && r.status === "queued")).toBe(true);
    expect((await queue.stats()).length).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    const later = await queue.enqueue("echo", { message: "a" }, { dedupe: { id: "order-1", window: "300 ms" } });
    expect(later).toMatchObject({ duplicate: false });
    expect(later.id).not.toBe(first.id);
    expect((await queue.stats()).length).toBe(2);
  });

  it("holds a delayed job back until it is due (fake clock)", async () => {
    const clock = fakeClock();
    const runs: Run[] = [];
    const queue = testQueue(streamKit({ clock }), runs);
    const job = await queue.enqueue("echo", { message: "later" }, { delay: "10 m" });
    expect(job.runAt).toBe(clock.now() + 600_000);
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 1 });

    clock.advance(599_000);
    expect((await queue.consume({ budgetMs: 500, waitForDelayed: false })).completed).toBe(0);
    expect(runs).toEqual([]);

    clock.advance(1_000);
    expect((await queue.consume({ budgetMs: 500 })).completed).toBe(1);
    expect(runs).toEqual([{ jobId: job.id, attempt: 1, payload: { message: "later" } }]);
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 0 });
  });
});
