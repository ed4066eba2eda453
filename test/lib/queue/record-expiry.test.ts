/**
 * A job's status record expires `statusTtl` after its last change. A job that outlives that window
 * while waiting (a dead letter requeued later, a delay longer than the TTL) must still have a
 * readable record once it moves again: later writes update only a few fields, which alone are no
 * record (GET /jobs/:id would answer 404 for a job that is queued, running or completed).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs, type Queue, type JobRegistry } from "@/lib/queue";
import { fakeClock, streamKit } from "./fixtures";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilExpired(queue: Queue<JobRegistry>, id: string): Promise<void> {
  for (let i = 0; i < 100 && (await queue.getJob(id)) !== null; i++) await sleep(100);
  expect(await queue.getJob(id)).toBeNull();
}

describe("status records that outlive statusTtl", () => {
  it("a dead letter requeued after its record expired gets a full record again", async () => {
    let broken = true;
    const jobs = defineJobs({
      work: defineJob({ schema: z.object({ n: z.number() }), handler: () => { if (broken) throw new Error("broken"); return "ok"; } }),
    });
    const queue = createQueue(streamKit(), { jobs, name: `q-${crypto.randomUUID().slice(0, 8)}`, maxAttempts: 1, statusTtl: "1 s" });
    const { id } = await queue.enqueue("work", { n: 1 });
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ dead: 1 });
    await untilExpired(queue, id);

    broken = false;
    expect(await queue.requeueDeadLetters()).toBe(1);
    expect(await queue.getJob(id)).toMatchObject({ id, type: "work", status: "queued", mode: "stream", attempts: 0, maxAttempts: 1 });
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ completed: 1 });
    expect(await queue.getJob(id)).toMatchObject({ id, type: "work", status: "completed", attempts: 1, result: "ok" });
  });

  it("a job delayed past statusTtl keeps its record until it has run", async () => {
    const clock = fakeClock();
    const jobs = defineJobs({ work: defineJob({ schema: z.object({}), handler: () => "ok" }) });
    const queue = createQueue(streamKit({ clock }), { jobs, name: `q-${crypto.randomUUID().slice(0, 8)}`, statusTtl: "1 s" });
    const { id } = await queue.enqueue("work", {}, { delay: "1 h" });
    // Longer than statusTtl in real time (Redis expires keys by its own clock).
    await sleep(1500);
    expect(await queue.getJob(id)).toMatchObject({ id, status: "queued" });

    clock.advance(3_600_000);
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ completed: 1 });
    expect(await queue.getJob(id)).toMatchObject({ id, status: "completed", attempts: 1 });
  });

  it("a delay past any TTL Redis can hold still enqueues (the record's TTL extension is capped)", async () => {
    const queue = createQueue(streamKit(), { jobs: defineJobs({ work: defineJob({ schema: z.object({}), handler: () => "ok" }) }), name: `q-${crypto.randomUUID().slice(0, 8)}` });
    await expect(queue.enqueue("work", {}, { delay: 1e300 })).resolves.toMatchObject({ status: "queued", duplicate: false });
    expect(await queue.stats()).toMatchObject({ delayed: 1 });
  });
});
