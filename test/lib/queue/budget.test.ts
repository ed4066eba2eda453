/**
 * The consume budget is the consumer's limit, not the job's failure: a job is started only with
 * enough budget left, and a job the budget cuts off goes back at the same attempt (no attempt
 * used, never dead-lettered for it) — up to MAX_FREE_CUTOFFS times in a row, so a job that can
 * never fit does not circle forever.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs, type JobContext } from "@/lib/queue";
import { MAX_FREE_CUTOFFS } from "@/lib/queue/settle-outcome";
import { streamKit } from "./fixtures";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves after `ms`, or at once when `signal` aborts (so a cut-off handler leaves no timer behind). */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()));
  });
}
const name = () => `q-${crypto.randomUUID().slice(0, 8)}`;

/** One job type taking `ms`; records each run's attempt and whether its signal was aborted. */
function timedJobs(ms: number, runs: { attempt: number; aborted: boolean }[], timeout?: `${number} s`) {
  return defineJobs({
    work: defineJob({
      schema: z.object({}),
      ...(timeout ? { timeout } : {}),
      handler: async (_p, ctx: JobContext) => {
        const run = { attempt: ctx.attempt, aborted: false };
        runs.push(run);
        ctx.signal.addEventListener("abort", () => (run.aborted = true));
        await work(ms, ctx.signal);
        return "ok";
      },
    }),
  });
}

describe("consume budget", () => {
  it("a budget too small for the jobs uses no attempt: nothing is dead-lettered, a later drain runs them at attempt 1", async () => {
    const runs: { attempt: number; aborted: boolean }[] = [];
    const queue = createQueue(streamKit(), { jobs: timedJobs(30, runs), name: name(), maxAttempts: 1 });
    const ids = await Promise.all(Array.from({ length: 5 }, () => queue.enqueue("work", {}).then((r) => r.id)));

    const starved = await queue.consume({ budgetMs: 5 });
    expect(starved).toMatchObject({ completed: 0, dead: 0, retried: 0, deferred: 5, stoppedBy: "budget" });
    expect(await queue.stats()).toMatchObject({ length: 5, pending: 0, delayed: 0, deadLetters: 0 });
    for (const id of ids) expect(await queue.getJob(id)).toMatchObject({ status: "queued", attempts: 0 });

    expect(await queue.consume({ budgetMs: 3000 })).toMatchObject({ completed: 5, dead: 0 });
    expect(runs.filter((r) => !r.aborted).map((r) => r.attempt)).toEqual([1, 1, 1, 1, 1]);
    expect((await queue.stats()).totals).toMatchObject({ completed: 5, deferred: 5 });
  });

  it("a job cut off by the budget (not its own timeout) is aborted and handed back at the same attempt", async () => {
    const runs: { attempt: number; aborted: boolean }[] = [];
    const queue = createQueue(streamKit(), { jobs: timedJobs(600, runs), name: name(), maxAttempts: 1 });
    const { id } = await queue.enqueue("work", {});

    expect(await queue.consume({ budgetMs: 300 })).toMatchObject({ deferred: 1, dead: 0, stoppedBy: "budget" });
    expect(runs).toEqual([{ attempt: 1, aborted: true }]);
    expect(await queue.getJob(id)).toMatchObject({ status: "queued", attempts: 0 });

    expect(await queue.consume({ budgetMs: 3000 })).toMatchObject({ completed: 1 });
    expect(runs.map((r) => r.attempt)).toEqual([1, 1]);
    expect(await queue.getJob(id)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("fetches no further batch once less than minJobBudgetMs is left", async () => {
    const runs: { attempt: number; aborted: boolean }[] = [];
    const queue = createQueue(streamKit(), { jobs: timedJobs(200, runs), name: name() });
    await Promise.all([queue.enqueue("work", {}), queue.enqueue("work", {})]);

    const result = await queue.consume({ budgetMs: 1000, minJobBudgetMs: 900, batchSize: 1 });
    expect(result).toMatchObject({ fetched: 1, completed: 1, deferred: 0, stoppedBy: "budget" });
    // The second job was never delivered: no delivery, no attempt, still waiting.
    expect(await queue.stats()).toMatchObject({ length: 1, pending: 0, lag: 1 });
  });

  it("does not wait for a delayed job it would have no budget left to run", async () => {
    const runs: { attempt: number; aborted: boolean }[] = [];
    const queue = createQueue(streamKit(), { jobs: timedJobs(300, runs), name: name(), maxAttempts: 1 });
    const { id } = await queue.enqueue("work", {}, { delay: "1850 ms" });

    // Due ~150 ms before the budget ends: waiting for it would start it with no time to run.
    const early = await queue.consume({ budgetMs: 2000 });
    expect(early).toMatchObject({ fetched: 0, dead: 0 });
    expect(await queue.getJob(id)).toMatchObject({ status: "queued", attempts: 0 });

    await sleep(Math.max(0, 1900 - early.elapsedMs));
    expect(await queue.consume({ budgetMs: 2000 })).toMatchObject({ completed: 1, dead: 0 });
    expect(runs).toEqual([{ attempt: 1, aborted: false }]);
  });

  it(`charges the cut-off after ${MAX_FREE_CUTOFFS} free ones in a row, so a job that never fits ends in the dead letters`, async () => {
    const runs: { attempt: number; aborted: boolean }[] = [];
    // Its own timeout (10 s) is far above any budget below: only the budget ever stops it.
    const queue = createQueue(streamKit(), { jobs: timedJobs(60_000, runs, "10 s"), name: name(), maxAttempts: 1 });
    const { id } = await queue.enqueue("work", {});

    for (let i = 0; i < MAX_FREE_CUTOFFS; i++) {
      expect(await queue.consume({ budgetMs: 150, minJobBudgetMs: 0 })).toMatchObject({ deferred: 1, dead: 0 });
    }
    expect(await queue.consume({ budgetMs: 150, minJobBudgetMs: 0 })).toMatchObject({ deferred: 0, dead: 1 });
    expect(runs.map((r) => r.attempt)).toEqual(Array.from({ length: MAX_FREE_CUTOFFS + 1 }, () => 1));
    expect(await queue.getJob(id)).toMatchObject({ status: "dead", attempts: 1, lastError: expect.stringMatching(/did not finish within/) });
  });

  it("refuses a minJobBudgetMs that leaves no room to start anything", async () => {
    const queue = createQueue(streamKit(), { jobs: timedJobs(1, []), name: name() });
    await expect(queue.consume({ budgetMs: 500, minJobBudgetMs: 500 })).rejects.toThrow(RangeError);
    await expect(queue.consume({ budgetMs: 500, minJobBudgetMs: -1 })).rejects.toThrow(RangeError);
  });
});
