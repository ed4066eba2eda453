/**
 * At-least-once across real process deaths: consumers run as separate OS processes against the
 * shared upstash-local and are SIGKILLed mid-batch; their entries must be reclaimed and finished
 * by other consumers, and no job may be lost.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs } from "@/lib/queue";
import { streamKit } from "./fixtures";
import { spawnConsumer, type SpawnedConsumer } from "./consumer-processes";

const spawned: SpawnedConsumer[] = [];
afterEach(async () => {
  await Promise.all(spawned.splice(0).map((c) => c.kill()));
});

function setup(reclaimMs: number, maxAttempts = 3) {
  const kit = streamKit();
  const name = `crash-${crypto.randomUUID().slice(0, 8)}`;
  const redis = kit.redis!;
  const doneKey = kit.keys.dedupe("done", name);
  const attempts = new Map<string, number[]>();
  const queue = createQueue(kit, {
    name,
    maxAttempts,
    reclaimAfter: reclaimMs,
    jobs: defineJobs({
      work: defineJob({
        schema: z.object({ n: z.number() }),
        handler: async (_p, ctx) => {
          attempts.set(ctx.jobId, [...(attempts.get(ctx.jobId) ?? []), ctx.attempt]);
          await redis.sadd(doneKey, ctx.jobId);
        },
      }),
    }),
  });
  const env = (extra: Record<string, string>) => ({
    EDGE_KIT_KEY_PREFIX: kit.config.keyPrefix, QUEUE_NAME: name, RECLAIM_MS: String(reclaimMs), MAX_ATTEMPTS: String(maxAttempts), ...extra,
  });
  const done = async () => new Set(await redis.smembers(doneKey));
  return { kit, queue, env, done, attempts };
}

async function enqueueMany(queue: ReturnType<typeof setup>["queue"], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 200) {
    const chunk = await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => queue.enqueue("work", { n: i + j })));
    ids.push(...chunk.map((r) => r.id));
  }
  return ids;
}

describe("crash recovery (real processes)", () => {
  it("a consumer killed mid-batch leaves its entries pending; another consumer reclaims and finishes them", async () => {
    const { queue, env, done, attempts } = setup(1000);
    const ids = await enqueueMany(queue, 10);

    // This consumer takes a batch of 5 and hangs inside the handlers until it is killed.
    const victim = spawnConsumer(env({ HANDLER_MS: "60000", BATCH_SIZE: "5", BUDGET_MS: "900" }));
    spawned.push(victim);
    await victim.waitFor((e) => e.event === "started");
    await new Promise((r) => setTimeout(r, 200));
    const taken = victim.events.filter((e) => e.event === "started").map((e) => e.jobId!);
    expect(taken).toHaveLength(5);
    await victim.kill();

    expect(await queue.stats()).toMatchObject({ pending: 5, consumers: 1 });
    // Before reclaimAfter the crashed consumer's entries are not touched: only the 5 others run.
    expect(await queue.consume({ budgetMs: 500, waitForDelayed: false })).toMatchObject({ completed: 5, reclaimed: 0 });
    await new Promise((r) => setTimeout(r, 1100));
    const rescue = await queue.consume({ budgetMs: 500, waitForDelayed: false });
    expect(rescue).toMatchObject({ reclaimed: 5, completed: 5, dead: 0 });
    expect(await done()).toEqual(new Set(ids));
    // The handler is told it is the 2nd attempt of each reclaimed job.
    for (const id of taken) expect(attempts.get(id)).toEqual([2]);
    // The dead consumer had nothing pending any more and was pruned once idle.
    expect(await queue.stats()).toMatchObject({ length: 0, pending: 0, deadLetters: 0 });
  });

  it("a job that keeps crashing its consumer is dead-lettered once its deliveries use up maxAttempts", async () => {
    // reclaimAfter well above the time from "started" to the kill: a slow runner must not let the
    // victim's own budget end (and hand the job back) before it dies.
    const { queue, env, attempts } = setup(3000, 2);
    const [id] = await enqueueMany(queue, 1);

    // Two consumer processes in turn take the job and die inside its handler: 2 deliveries, no outcome.
    for (const attempt of [1, 2]) {
      const victim = spawnConsumer(env({ HANDLER_MS: "60000", BATCH_SIZE: "1", BUDGET_MS: "2900" }));
      spawned.push(victim);
      expect(await victim.waitFor((e) => e.event === "started")).toMatchObject({ jobId: id, attempt });
      await victim.kill();
      expect(await queue.stats()).toMatchObject({ pending: 1 });
      await new Promise((r) => setTimeout(r, 3100)); // past reclaimAfter
    }

    // The 3rd delivery finds both attempts used: dead letter, without running the handler again.
    const result = await queue.consume({ budgetMs: 1000, waitForDelayed: false });
    expect(result).toMatchObject({ fetched: 1, reclaimed: 1, dead: 1, completed: 0 });
    expect(attempts.get(id!)).toBeUndefined();
    expect(await queue.getJob(id!)).toMatchObject({ status: "dead", attempts: 2, lastError: expect.stringMatching(/no outcome after 3 deliveries/) });
    expect(await queue.deadLetters()).toMatchObject([{ jobId: id, attempts: 2 }]);
    expect(await queue.stats()).toMatchObject({ length: 0, pending: 0, deadLetters: 1 });
  });

  it("loses no job over 2000 jobs while consumer processes are killed again and again", { timeout: 150_000 }, async () => {
    const { queue, env, done } = setup(1000, 50);
    const ids = await enqueueMany(queue, 2000);
    const deadline = Date.now() + 90_000;
    let kills = 0;

    const runVictim = async () => {
      while (Date.now() < deadline && (await done()).size < ids.length) {
        const consumer = spawnConsumer(env({ HANDLER_MS: "2", BATCH_SIZE: "20", BUDGET_MS: "700" }));
        spawned.push(consumer);
        await consumer.waitFor((e) => e.event === "started").catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
        await consumer.kill();
        kills += 1;
      }
    };
    await Promise.all([runVictim(), runVictim()]);

    // A last consumer that is not killed finishes whatever the victims left pending.
    for (let round = 0; round < 10 && (await done()).size < ids.length; round++) {
      await new Promise((r) => setTimeout(r, 1100));
      await queue.consume({ budgetMs: 900, batchSize: 50, waitForDelayed: false });
    }
    expect(kills).toBeGreaterThanOrEqual(4);
    const finished = await done();
    expect(ids.filter((id) => !finished.has(id))).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100));
    await queue.consume({ budgetMs: 900, batchSize: 50, waitForDelayed: false });
    const stats = await queue.stats();
    expect(stats).toMatchObject({ length: 0, pending: 0, delayed: 0, deadLetters: 0 });
    // Kills did land mid-batch: some entries had to be taken over from dead consumers.
    expect(stats.totals.reclaimed).toBeGreaterThan(0);
  });
});
