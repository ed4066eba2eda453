/**
 * `npx tsx bench/queue/run.ts`: queue throughput through upstash-local (its own redis-server and
 * server on free ports), printed as a Markdown table. A benchmark, not a test: nothing is asserted.
 *
 * - enqueue one-by-one (each awaited) vs concurrently (50 in flight: auto-pipelined into shared
 *   HTTP requests);
 * - end-to-end processing (consume until empty, trivial handler) with batchSize 1 vs 10 vs 50:
 *   the fetch + settle scripts cost two round trips per batch, so larger batches amortise them.
 * Option: `--jobs <n>` (default 2000).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadConfig } from "../../lib/config";
import { createKit } from "../../lib/kit";
import { createQueue, defineJob, defineJobs } from "../../lib/queue";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

const { values: args } = parseArgs({ options: { jobs: { type: "string", default: "2000" } } });
const JOBS = Number(args.jobs);
const redis = await spawnRedisServer();
const token = randomBytes(8).toString("hex");
const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
const kit = createKit(
  loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: server.url, UPSTASH_REDIS_REST_TOKEN: token, USE_REDIS_QUEUE: "true", REDIS_COMMAND_TIMEOUT_MS: "10000" }),
);
const jobs = defineJobs({ noop: defineJob({ schema: z.object({ n: z.number() }), handler: () => undefined }) });
const newQueue = () => createQueue(kit, { jobs, name: `bench-${randomBytes(4).toString("hex")}` });

interface Row {
  workload: string;
  jobs: number;
  seconds: number;
  httpRequests: number;
}
const rows: Row[] = [];

async function measure(workload: string, count: number, run: () => Promise<unknown>): Promise<void> {
  const before = Number((await server.stats()).httpRequests);
  const t = performance.now();
  await run();
  const seconds = (performance.now() - t) / 1000;
  rows.push({ workload, jobs: count, seconds, httpRequests: Number((await server.stats()).httpRequests) - before });
}

async function enqueueConcurrently(queue: ReturnType<typeof newQueue>, count: number, inFlight = 50): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await queue.enqueue("noop", { n: next++ });
  }));
}

// Warm-up: scripts loaded, connections open.
const warm = newQueue();
await enqueueConcurrently(warm, 100);
await warm.consume({ budgetMs: 10_000, batchSize: 50 });

const oneByOne = newQueue();
const sequential = Math.min(JOBS, 500);
await measure("enqueue, one by one (awaited)", sequential, async () => {
  for (let i = 0; i < sequential; i++) await oneByOne.enqueue("noop", { n: i });
});
await measure("enqueue, 50 concurrent (auto-pipelined)", JOBS, () => enqueueConcurrently(newQueue(), JOBS));

for (const batchSize of [1, 10, 50]) {
  const queue = newQueue();
  const count = batchSize === 1 ? Math.min(JOBS, 500) : JOBS;
  await enqueueConcurrently(queue, count);
  await measure(`process, batchSize ${batchSize}`, count, async () => {
    let done = 0;
    while (done < count) done += (await queue.consume({ budgetMs: 60_000, batchSize, waitForDelayed: false })).completed;
  });
}

console.log(`\nQueue throughput through upstash-local (Node ${process.version}, ${JOBS} jobs)\n`);
console.log("| workload | jobs | jobs/s | ms/job | HTTP requests/job |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.jobs} | ${Math.round(r.jobs / r.seconds)} | ${((r.seconds * 1000) / r.jobs).toFixed(2)} | ${(r.httpRequests / r.jobs).toFixed(2)} |`);
}
await server.close();
await redis.stop();
