/**
 * Shared fixtures of the queue specs: a real test kit (real client → upstash-local → redis-server)
 * with the stream mode on, a fake clock where the spec moves time itself, and a registry whose
 * handlers record what they were given.
 */
import { z } from "zod";
import { createQueue, defineJob, defineJobs, type JobContext, type QueueOptions } from "@/lib/queue";
import type { Kit } from "@/lib/kit";
import type { Clock } from "@/lib/clock";
import { createTestKit } from "../../setup/kit";

export interface FakeClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  return { now: () => now, set: (ms) => void (now = ms), advance: (ms) => void (now += ms) };
}

export function streamKit(options: { clock?: Clock; env?: Record<string, string> } = {}): Kit {
  return createTestKit({ env: { USE_REDIS_QUEUE: "true", ...options.env }, deps: options.clock ? { clock: options.clock } : {} });
}

export interface Run {
  jobId: string;
  attempt: number;
  payload: unknown;
}

/** A registry whose `flaky` job fails until `failUntilAttempt` is passed. */
export function recordingJobs(runs: Run[] = []) {
  const record = (payload: unknown, ctx: JobContext) => runs.push({ jobId: ctx.jobId, attempt: ctx.attempt, payload });
  return defineJobs({
    echo: defineJob({
      schema: z.object({ message: z.string().min(1) }),
      handler: (payload, ctx) => {
        record(payload, ctx);
        return { echoed: payload.message };
      },
    }),
    flaky: defineJob({
      schema: z.object({ failUntilAttempt: z.number().int() }),
      handler: (payload, ctx) => {
        record(payload, ctx);
        if (ctx.attempt < payload.failUntilAttempt) throw new Error(`boom on attempt ${ctx.attempt}`);
        return "ok";
      },
    }),
  });
}

export function testQueue(kit: Kit, runs: Run[] = [], options: Partial<QueueOptions<ReturnType<typeof recordingJobs>>> = {}) {
  return createQueue(kit, { jobs: recordingJobs(runs), name: `q-${crypto.randomUUID().slice(0, 8)}`, ...options });
}
