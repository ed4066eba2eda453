/**
 * Whatever text a handler's error carries, the batch it ran in is settled: the SETTLE script
 * decodes its outcomes with Lua's cjson, which refuses a lone UTF-16 surrogate (`\ud83d` not
 * followed by its pair) — and truncating a long message can cut an emoji in half.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs } from "@/lib/queue";
import { MAX_ERROR_LENGTH } from "@/lib/queue/job-record";
import { streamKit } from "./fixtures";

describe("settling outcomes whose error text is not well-formed UTF-16", () => {
  const cases = {
    // 2 UTF-16 units per emoji after "Error: x" (8): the cut at MAX_ERROR_LENGTH - 1 (odd) halves one.
    "a long message cut in the middle of an emoji": `x${"💥".repeat(MAX_ERROR_LENGTH)}`,
    "a message holding a lone surrogate": "bad byte \ud800 in upstream reply",
  };
  for (const [what, message] of Object.entries(cases)) {
    it(`${what}: the job is dead-lettered with its error, its batch siblings complete once`, async () => {
      const runs: string[] = [];
      const jobs = defineJobs({
        explode: defineJob({ schema: z.object({}), handler: () => { throw new Error(message); } }),
        echo: defineJob({ schema: z.object({ n: z.number() }), handler: (p, ctx) => void runs.push(ctx.jobId) }),
      });
      const queue = createQueue(streamKit(), { jobs, name: `q-${crypto.randomUUID().slice(0, 8)}`, maxAttempts: 1, reclaimAfter: "1 s" });
      const { id } = await queue.enqueue("explode", {});
      const siblings = await Promise.all([1, 2, 3].map((n) => queue.enqueue("echo", { n }).then((r) => r.id)));

      expect(await queue.consume({ budgetMs: 900, batchSize: 10, waitForDelayed: false })).toMatchObject({ fetched: 4, completed: 3, dead: 1 });
      const record = await queue.getJob(id);
      expect(record).toMatchObject({ status: "dead", attempts: 1, lastError: expect.stringMatching(/^Error: /) });
      expect(record!.lastError!.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
      for (const sibling of siblings) expect(await queue.getJob(sibling)).toMatchObject({ status: "completed", attempts: 1 });
      expect(runs.sort()).toEqual([...siblings].sort());
      expect(await queue.stats()).toMatchObject({ length: 0, pending: 0, deadLetters: 1 });
    });
  }
});
