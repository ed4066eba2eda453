/**
 * The inline fallback (USE_REDIS_QUEUE=false, the default): same API, the handler runs in-process
 * right after the response through waitUntil, with the same attempts and backoff, and the status
 * recorded while Redis is up. Also: the runtime flag that switches modes, and Redis outages.
 */
import { describe, expect, it } from "vitest";
import { createFlags } from "@/lib/flags";
import { clearQueueModeCache, QUEUE_FLAG } from "@/lib/queue";
import { createTestKit } from "../../setup/kit";
import { streamKit, testQueue, type Run } from "./fixtures";

/** Collects what enqueue hands to waitUntil, so the spec can await the in-process run. */
function waitUntilCollector() {
  const pending: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void pending.push(p), settle: () => Promise.all(pending) };
}

describe("inline mode", () => {
  it("is the default, runs the job after enqueue returns, and records its status", async () => {
    const runs: Run[] = [];
    const queue = testQueue(createTestKit(), runs);
    const { waitUntil, settle } = waitUntilCollector();
    const result = await queue.enqueue("echo", { message: "hi" }, { waitUntil });
    expect(result).toEqual({ id: expect.any(String), status: "queued", mode: "inline", duplicate: false });
    expect(runs).toEqual([]); // not before the response
    await settle();
    expect(runs).toEqual([{ jobId: result.id, attempt: 1, payload: { message: "hi" } }]);
    expect(await queue.getJob(result.id)).toMatchObject({ status: "completed", mode: "inline", attempts: 1, result: { echoed: "hi" } });
    expect((await queue.stats()).length).toBe(0); // nothing went through the stream
  });

  it("retries in-process with the backoff, then dead-letters with the last error (requeue hands it to the stream)", async () => {
    const runs: Run[] = [];
    const queue = testQueue(createTestKit(), runs, { backoff: { type: "fixed", delay: "30 ms" } });
    const { waitUntil, settle } = waitUntilCollector();
    const ok = await queue.enqueue("flaky", { failUntilAttempt: 2 }, { waitUntil });
    const dead = await queue.enqueue("flaky", { failUntilAttempt: 9 }, { waitUntil, maxAttempts: 3 });
    await settle();
    expect(runs.filter((r) => r.jobId === ok.id).map((r) => r.attempt)).toEqual([1, 2]);
    expect(runs.filter((r) => r.jobId === dead.id).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(await queue.getJob(ok.id)).toMatchObject({ status: "completed", attempts: 2, lastError: "Error: boom on attempt 1" });
    expect(await queue.getJob(dead.id)).toMatchObject({ status: "dead", attempts: 3, lastError: "Error: boom on attempt 3" });
    expect(await queue.deadLetters()).toMatchObject([{ jobId: dead.id, attempts: 3 }]);
    expect(await queue.requeueDeadLetters()).toBe(1);
    expect(await queue.stats()).toMatchObject({ length: 1, deadLetters: 0 });
  });

  it("honours dedupe ids and delays", async () => {
    const runs: Run[] = [];
    const queue = testQueue(createTestKit(), runs);
    const { waitUntil, settle } = waitUntilCollector();
    const started = Date.now();
    const a = await queue.enqueue("echo", { message: "d" }, { waitUntil, dedupe: { id: "same" }, delay: "150 ms" });
    const b = await queue.enqueue("echo", { message: "d" }, { waitUntil, dedupe: { id: "same" } });
    expect(b).toMatchObject({ id: a.id, duplicate: true });
    await settle();
    expect(runs).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("still runs the job when Redis is unreachable, and says so (degraded), without a status", async () => {
    const runs: Run[] = [];
    const kit = createTestKit({ url: "http://127.0.0.1:9", env: { REDIS_COMMAND_TIMEOUT_MS: "200" } });
    const queue = testQueue(kit, runs);
    const { waitUntil, settle } = waitUntilCollector();
    const result = await queue.enqueue("echo", { message: "offline" }, { waitUntil });
    expect(result).toMatchObject({ mode: "inline", status: "queued", degraded: expect.any(String) });
    await settle();
    expect(runs).toHaveLength(1);
  });

  it("runs without any Redis at all (memory mode)", async () => {
    const runs: Run[] = [];
    const queue = testQueue(createTestKit({ memory: true }), runs);
    const { waitUntil, settle } = waitUntilCollector();
    expect(await queue.enqueue("echo", { message: "mem" }, { waitUntil })).toMatchObject({ mode: "inline" });
    await settle();
    expect(runs).toHaveLength(1);
    expect(await queue.getJob("anything")).toBeNull();
  });
});

describe("mode switching and outages", () => {
  it(`the runtime flag ${QUEUE_FLAG} overrides the env setting, both ways`, async () => {
    const inlineByEnv = createTestKit();
    await createFlags(inlineByEnv).set(QUEUE_FLAG, true);
    expect((await testQueue(inlineByEnv).enqueue("echo", { message: "f" })).mode).toBe("stream");

    const streamByEnv = streamKit();
    await createFlags(streamByEnv).set(QUEUE_FLAG, false);
    const { waitUntil, settle } = waitUntilCollector();
    expect((await testQueue(streamByEnv).enqueue("echo", { message: "f" }, { waitUntil })).mode).toBe("inline");
    await settle();

    // Flag removed → back to the env setting once the per-isolate cache is dropped.
    await createFlags(streamByEnv).delete(QUEUE_FLAG);
    clearQueueModeCache(streamByEnv);
    expect((await testQueue(streamByEnv).enqueue("echo", { message: "f" })).mode).toBe("stream");
  });

  it("stream mode fails closed when Redis is down: the caller learns the job was not taken", async () => {
    const kit = createTestKit({ url: "http://127.0.0.1:9", env: { USE_REDIS_QUEUE: "true", REDIS_COMMAND_TIMEOUT_MS: "200" } });
    await expect(testQueue(kit).enqueue("echo", { message: "x" })).rejects.toMatchObject({ code: "E_REDIS_UNAVAILABLE" });
  });
});
