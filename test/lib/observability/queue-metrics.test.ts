/**
 * Queue figures on a realistic keyspace: 20,000 keys that are not queues. The metrics read the
 * queues the app defines (lib/queue `Queue.stats()`), so they are reported however large the
 * keyspace is; without that list, discovery by bounded SCAN cannot finish and must say so.
 * A private redis-server behind a private upstash-local, so the keyspace is exactly what this file
 * writes (and the shared test database is not filled with 20,000 keys).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Kit } from "@/lib/kit";
import { collectMetrics, renderPrometheus, snapshotToFamilies } from "@/lib/observability";
import { createQueue, defineJob, defineJobs, type Queue } from "@/lib/queue";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";

/** This file's subject only: on a loaded machine another part (the cache's 300 ms read) may time out too. */
const queueNotes = (degraded: string[]) => degraded.filter((d) => d.startsWith("queues:"));

const jobs = defineJobs({ work: defineJob({ schema: z.object({}), handler: () => "ok" }) });

describe("queue metrics with 20,000 other keys", () => {
  const token = `t-${randomBytes(8).toString("hex")}`;
  let redisServer: SpawnedRedis;
  let local: UpstashLocal;
  let kit: Kit;
  let queue: Queue<typeof jobs>;

  beforeAll(async () => {
    redisServer = await spawnRedisServer();
    local = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
    kit = createTestKit({ url: local.url, token, env: { USE_REDIS_QUEUE: "true" } });
    queue = createQueue(kit, { jobs, name: "mail" });
    await queue.enqueue("work", {});
    await queue.enqueue("work", {});
    // Written by one script on the server: one HTTP request instead of 20,000 commands' worth of JSON.
    const fill = 'for i = 1, tonumber(ARGV[2]) do redis.call("SET", ARGV[1] .. i, "x") end return 1';
    await kit.redis!.eval(fill, [], [kit.keys.cache("filler", "k"), 20_000]);
    expect(await kit.redis!.dbsize()).toBeGreaterThan(20_000);
  }, 60_000);
  afterAll(async () => {
    await local?.close();
    await redisServer?.stop();
  });

  it("reports the app's queues, whatever the size of the keyspace", async () => {
    const s = await collectMetrics(kit, { keyCounts: false, queues: [queue] });
    expect(queueNotes(s.degraded)).toEqual([]);
    expect(s.queues).toEqual([
      { name: "mail", length: 2, pending: 0, lag: 2, delayed: 0, deadLetters: 0, counts: expect.objectContaining({ enqueued: 2 }) },
    ]);
    const text = renderPrometheus(snapshotToFamilies(s));
    expect(text).toContain('edge_kit_queue_length{queue="mail"} 2\n');
    expect(text).toContain('edge_kit_queue_jobs_total{queue="mail",event="enqueued"} 2\n');
  });

  it("without the app's queues, an unfinished discovery is reported in degraded, never a silent empty list", async () => {
    const s = await collectMetrics(kit, { keyCounts: false });
    expect(queueNotes(s.degraded)).toEqual([expect.stringMatching(/^queues: discovery incomplete \(SCAN stopped after 5 pages/)]);
    const text = renderPrometheus(snapshotToFamilies(s));
    expect(text).toContain('edge_kit_metrics_part_degraded{part="queues"} 1\n');
  });
});
