/**
 * Waiting jobs dropped by `MAXLEN ~` (more than `maxLength` waiting) are never silent: every path
 * that adds to the stream counts them (`trimmed`, from XTRIM's reply) and logs a warning.
 * `~` trims whole stream nodes (100 entries each by default), so the specs overfill by a few hundred.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs } from "@/lib/queue";
import { fakeClock, streamKit, testQueue } from "./fixtures";

afterEach(() => vi.restoreAllMocks());

async function enqueueMany(count: number, enqueue: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += 25) await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => enqueue(i + j)));
}

/** A longer Redis timeout than the default: hundreds of enqueues on a busy 2-core runner. */
const patientEnv = { REDIS_COMMAND_TIMEOUT_MS: "5000" };

const droppedLines = (warn: ReturnType<typeof vi.spyOn>) =>
  warn.mock.calls.map((args: unknown[]) => String(args[0])).filter((line: string) => line.includes("dropped"));

describe("trimming is counted and logged", () => {
  it("on enqueue", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const queue = testQueue(streamKit({ env: patientEnv }), [], { maxLength: 10 });
    await enqueueMany(300, (i) => queue.enqueue("echo", { message: `m${i}` }));

    const stats = await queue.stats();
    expect(stats.totals.trimmed).toBeGreaterThan(0);
    expect(stats.length + stats.totals.trimmed!).toBe(300);
    expect(droppedLines(warn).length).toBeGreaterThan(0);
  });

  it("when due delayed jobs are moved into a full stream", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const clock = fakeClock();
    const queue = testQueue(streamKit({ clock, env: patientEnv }), [], { maxLength: 10 });
    await enqueueMany(300, (i) => queue.enqueue("echo", { message: `m${i}` }, { delay: "1 m" }));
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 300 });

    clock.advance(60_000);
    const result = await queue.consume({ budgetMs: 5000, batchSize: 100 });
    expect(result.trimmed).toBeGreaterThan(0);
    expect(result.completed + result.trimmed).toBe(300);
    expect(await queue.stats()).toMatchObject({ length: 0, delayed: 0, totals: { trimmed: result.trimmed } });
    expect(droppedLines(warn)).toEqual([expect.stringContaining(`dropped ${result.trimmed} waiting job(s)`)]);
  });

  it("when dead letters are requeued into a full stream", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const kit = streamKit({ env: patientEnv });
    const name = `q-${crypto.randomUUID().slice(0, 8)}`;
    const jobs = defineJobs({ fail: defineJob({ schema: z.object({}), handler: () => { throw new Error("down"); } }) });
    // Filled and drained by a queue with room, so 300 jobs reach the dead letters untrimmed.
    const roomy = createQueue(kit, { jobs, name, maxAttempts: 1 });
    await enqueueMany(300, () => roomy.enqueue("fail", {}));
    await roomy.consume({ budgetMs: 10_000, batchSize: 100 });
    expect(await roomy.stats()).toMatchObject({ length: 0, deadLetters: 300 });

    const tight = createQueue(kit, { jobs, name, maxAttempts: 1, maxLength: 10 });
    expect(await tight.requeueDeadLetters({ limit: 300 })).toBe(300);
    const stats = await tight.stats();
    expect(stats.totals.trimmed).toBeGreaterThan(0);
    expect(stats.length + stats.totals.trimmed!).toBe(300);
    expect(droppedLines(warn)).toEqual([expect.stringContaining(`dropped ${stats.totals.trimmed} waiting job(s) unprocessed while requeueing`)]);
  });
});
