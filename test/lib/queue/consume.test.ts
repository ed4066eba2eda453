import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs } from "@/lib/queue";
import { fakeClock, recordingJobs, streamKit, testQueue, type Run } from "./fixtures";

describe("consume (stream mode)", () => {
  it("runs each job once, acks it, deletes it from the stream and records the result", async () => {
    const runs: Run[] = [];
    const queue = testQueue(streamKit(), runs);
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => queue.enqueue("echo", { message: `m${i}` }).then((r) => r.id)));

    const result = await queue.consume({ budgetMs: 5000, batchSize: 10 });
    expect(result).toMatchObject({ batches: 3, fetched: 25, completed: 25, retried: 0, dead: 0, reclaimed: 0, stoppedBy: "empty" });
    expect(runs.map((r) => r.jobId).sort()).toEqual([...ids].sort());
    expect(runs.every((r) => r.attempt === 1)).toBe(true);
    expect(await queue.getJob(ids[0]!)).toMatchObject({ status: "completed", attempts: 1, result: { echoed: "m0" }, completedAt: expect.any(Number) });
    // Acked entries are deleted, the consumer removed, the counters updated.
    expect(await queue.stats()).toMatchObject({ length: 0, pending: 0, lag: 0, consumers: 0, totals: { enqueued: 25, completed: 25 } });
  });

  it("schedules a failed attempt's retry at now + backoff, tells the handler the attempt, then completes", async () => {
    const clock = fakeClock();
    const runs: Run[] = [];
    // random() = 0 → no jitter reduction: delays are exactly 1 s, 2 s.
    const queue = testQueue(streamKit({ clock }), runs, { backoff: { type: "exponential", delay: "1 s" }, random: () => 0 });
    const { id } = await queue.enqueue("flaky", { failUntilAttempt: 3 });

    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ fetched: 1, retried: 1, completed: 0 });
    expect(await queue.getJob(id)).toMatchObject({
      status: "failed", attempts: 1, lastError: "Error: boom on attempt 1", nextAttemptAt: clock.now() + 1000,
    });
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 1 });

    clock.advance(999);
    expect((await queue.consume({ budgetMs: 500, waitForDelayed: false })).fetched).toBe(0);
    clock.advance(1);
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ fetched: 1, retried: 1 });
    expect((await queue.getJob(id))?.nextAttemptAt).toBe(clock.now() + 2000);

    clock.advance(2000);
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ fetched: 1, completed: 1 });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(await queue.getJob(id)).toMatchObject({ status: "completed", attempts: 3, result: "ok" });
  });

  it("waits inside its budget for a retry that falls due, instead of returning early", async () => {
    const runs: Run[] = [];
    const queue = testQueue(streamKit(), runs, { backoff: { type: "fixed", delay: "100 ms" } });
    await queue.enqueue("flaky", { failUntilAttempt: 2 });
    const result = await queue.consume({ budgetMs: 3000 });
    expect(result).toMatchObject({ retried: 1, completed: 1, stoppedBy: "empty" });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("dead-letters a job after maxAttempts with its last error, and can requeue it", async () => {
    const clock = fakeClock();
    const runs: Run[] = [];
    const queue = testQueue(streamKit({ clock }), runs, { backoff: { type: "fixed", delay: "1 s" } });
    const { id } = await queue.enqueue("flaky", { failUntilAttempt: 99 }, { maxAttempts: 2 });

    await queue.consume({ budgetMs: 500, waitForDelayed: false });
    clock.advance(1000);
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ dead: 1, retried: 0 });
    expect(await queue.getJob(id)).toMatchObject({ status: "dead", attempts: 2, lastError: "Error: boom on attempt 2" });
    const letters = await queue.deadLetters();
    expect(letters).toEqual([
      { deadLetterId: expect.any(String), jobId: id, type: "flaky", payload: { failUntilAttempt: 99 }, attempts: 2, error: "Error: boom on attempt 2", failedAt: clock.now() },
    ]);
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 0, deadLetters: 1, totals: { failed: 2, retried: 1, dead: 1 } });

    // Requeue: a fresh set of attempts; requeueing the same letter twice moves it once.
    const [moved, again] = await Promise.all([queue.requeueDeadLetters(), queue.requeueDeadLetters({ ids: [letters[0]!.deadLetterId] })]);
    expect(moved + again).toBe(1);
    expect(await queue.getJob(id)).toMatchObject({ status: "queued", attempts: 0 });
    await queue.consume({ budgetMs: 500, waitForDelayed: false });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 1]);
    expect(await queue.stats()).toMatchObject({ deadLetters: 0 });
  });

  it("counts a handler over its time limit as a failed attempt and aborts its signal", async () => {
    let aborted = false;
    const jobs = defineJobs({
      slow: defineJob({
        schema: z.object({}),
        timeout: "50 ms",
        handler: (_p, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener("abort", () => (aborted = true));
            setTimeout(resolve, 1000);
          }),
      }),
    });
    const queue = createQueue(streamKit(), { jobs, name: `q-${crypto.randomUUID()}`, maxAttempts: 1 });
    const { id } = await queue.enqueue("slow", {});
    expect(await queue.consume({ budgetMs: 2000 })).toMatchObject({ dead: 1 });
    expect(aborted).toBe(true);
    expect(await queue.getJob(id)).toMatchObject({ status: "dead", lastError: expect.stringContaining("did not finish within 50 ms") });
  });

  it("dead-letters entries this deployment cannot run (type removed, payload no longer valid) without retrying", async () => {
    const kit = streamKit();
    const name = `q-${crypto.randomUUID()}`;
    const before = createQueue(kit, { jobs: recordingJobs(), name });
    const gone = await before.enqueue("flaky", { failUntilAttempt: 1 });
    const changed = await before.enqueue("echo", { message: "x" });
    const after = createQueue(kit, {
      name,
      jobs: defineJobs({ echo: defineJob({ schema: z.object({ message: z.number() }), handler: () => undefined }) }),
    });
    expect(await after.consume({ budgetMs: 1000 })).toMatchObject({ dead: 2, retried: 0 });
    expect((await after.getJob(gone.id))?.lastError).toMatch(/unknown job type "flaky"/);
    expect((await after.getJob(changed.id))?.lastError).toMatch(/payload no longer valid/);
  });

  it("reports depth, pending and lag while a job is running", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let seen: unknown;
    const kit = streamKit();
    const name = `q-${crypto.randomUUID()}`;
    const jobs = defineJobs({
      hold: defineJob({ schema: z.object({}), handler: async () => { seen ??= await queue.stats(); await gate; } }),
    });
    const queue = createQueue(kit, { jobs, name });
    await Promise.all([queue.enqueue("hold", {}), queue.enqueue("hold", {}), queue.enqueue("hold", {})]);
    const running = queue.consume({ budgetMs: 3000, batchSize: 1 });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await running;
    expect(seen).toMatchObject({ length: 3, pending: 1, lag: 2, consumers: 1, oldestPendingIdleMs: expect.any(Number) });
  });

  it("refuses a budget that reaches reclaimAfter (live work would be reclaimed) and bad batch sizes", async () => {
    const queue = testQueue(streamKit(), [], { reclaimAfter: "1 s" });
    await expect(queue.consume({ budgetMs: 1000 })).rejects.toThrow(/reclaimAfter/);
    await expect(queue.consume({ budgetMs: 100, batchSize: 0 })).rejects.toThrow(RangeError);
  });

  it("two concurrent consumers share the work without running a job twice", async () => {
    const runs: Run[] = [];
    const queue = testQueue(streamKit(), runs);
    await Promise.all(Array.from({ length: 60 }, (_, i) => queue.enqueue("echo", { message: `m${i}` })));
    const [a, b] = await Promise.all([queue.consume({ budgetMs: 5000, batchSize: 5 }), queue.consume({ budgetMs: 5000, batchSize: 5 })]);
    expect(a.completed + b.completed).toBe(60);
    expect(new Set(runs.map((r) => r.jobId)).size).toBe(60);
    expect(runs).toHaveLength(60);
    expect(a.consumer).not.toBe(b.consumer);
  });
});
