/**
 * A queue consumer in its own OS process, for the crash specs: the parent kills it (SIGKILL) at the
 * worst moments. Configured by env: UPSTASH_REDIS_REST_URL/TOKEN, EDGE_KIT_KEY_PREFIX, QUEUE_NAME,
 * HANDLER_MS (how long each job takes), BUDGET_MS, RECLAIM_MS, BATCH_SIZE.
 * Each handled job is SADDed to the `done` set and counted in `runs` (duplicates are legal:
 * at-least-once). Prints one JSON line per event: {"event":"started","jobId":…} / {"event":"batch",…}.
 */
import { z } from "zod";
import { loadConfig } from "../../../lib/config";
import { createKit } from "../../../lib/kit";
import { createQueue, defineJob, defineJobs } from "../../../lib/queue";

const env = process.env;
const kit = createKit(
  loadConfig({
    NODE_ENV: "test",
    UPSTASH_REDIS_REST_URL: env.UPSTASH_REDIS_REST_URL,
    UPSTASH_REDIS_REST_TOKEN: env.UPSTASH_REDIS_REST_TOKEN,
    EDGE_KIT_KEY_PREFIX: env.EDGE_KIT_KEY_PREFIX,
    USE_REDIS_QUEUE: "true",
  }),
);
const redis = kit.redis!;
const name = env.QUEUE_NAME!;
const handlerMs = Number(env.HANDLER_MS ?? 0);
const doneKey = kit.keys.dedupe("done", name);
const runsKey = kit.keys.counter(`runs-${name}`);

const queue = createQueue(kit, {
  name,
  reclaimAfter: Number(env.RECLAIM_MS ?? 1000),
  maxAttempts: Number(env.MAX_ATTEMPTS ?? 3),
  jobs: defineJobs({
    work: defineJob({
      schema: z.object({ n: z.number() }),
      handler: async (_payload, ctx) => {
        console.log(JSON.stringify({ event: "started", jobId: ctx.jobId, attempt: ctx.attempt }));
        if (handlerMs > 0) await new Promise((r) => setTimeout(r, handlerMs));
        await Promise.all([redis.sadd(doneKey, ctx.jobId), redis.incr(runsKey)]);
      },
    }),
  }),
});

for (;;) {
  const result = await queue.consume({ budgetMs: Number(env.BUDGET_MS ?? 500), batchSize: Number(env.BATCH_SIZE ?? 10), waitForDelayed: false });
  console.log(JSON.stringify({ event: "batch", ...result }));
  if (result.fetched === 0) await new Promise((r) => setTimeout(r, 50));
}
