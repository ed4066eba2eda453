/**
 * What a handler receives: `schema.parse(input)`, exactly once, in stream and inline mode alike.
 * The job carries the validated *input* (z.input), so transforms and defaults run once per run,
 * not once at enqueue and again in the consumer.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs, InvalidPayloadError } from "@/lib/queue";
import { createTestKit } from "../../setup/kit";
import { streamKit } from "./fixtures";

function transformingJobs(seen: unknown[]) {
  return defineJobs({
    charge: defineJob({
      schema: z.object({ dollars: z.number().transform((d) => d * 100) }),
      handler: (payload) => void seen.push(payload),
    }),
    parse: defineJob({
      schema: z.object({ n: z.string().transform(Number), tags: z.array(z.string()).default(["none"]) }),
      handler: (payload) => void seen.push(payload),
    }),
  });
}

const name = () => `q-${crypto.randomUUID().slice(0, 8)}`;

describe("payload: schema input in, schema output to the handler, once", () => {
  it("stream mode: a transform runs once, and a transform that changes the type does not dead-letter the job", async () => {
    const seen: unknown[] = [];
    const queue = createQueue(streamKit(), { jobs: transformingJobs(seen), name: name() });
    await queue.enqueue("charge", { dollars: 5 });
    const { id } = await queue.enqueue("parse", { n: "42" });

    expect(await queue.consume({ budgetMs: 2000 })).toMatchObject({ completed: 2, dead: 0 });
    expect(seen).toEqual(expect.arrayContaining([{ dollars: 500 }, { n: 42, tags: ["none"] }]));
    expect(seen).toHaveLength(2);
    expect(await queue.getJob(id)).toMatchObject({ status: "completed" });
  });

  it("inline mode hands the handler the same values, and its dead letter keeps the input for a requeue", async () => {
    const seen: unknown[] = [];
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void pending.push(p);
    const kit = createTestKit();
    const queue = createQueue(kit, { jobs: transformingJobs(seen), name: name() });
    await queue.enqueue("charge", { dollars: 5 }, { waitUntil });
    await queue.enqueue("parse", { n: "42" }, { waitUntil });
    await Promise.all(pending);
    expect(seen).toEqual(expect.arrayContaining([{ dollars: 500 }, { n: 42, tags: ["none"] }]));

    // A dead letter written inline is replayed by the stream consumer: it must hold the input too.
    const failing = defineJobs({
      charge: defineJob({ schema: z.object({ dollars: z.number().transform((d) => d * 100) }), handler: () => { throw new Error("down"); } }),
    });
    const q = name();
    const inline = createQueue(kit, { jobs: failing, name: q, maxAttempts: 1 });
    const dead = await inline.enqueue("charge", { dollars: 7 }, { waitUntil });
    await Promise.all(pending);
    expect(await inline.deadLetters()).toMatchObject([{ jobId: dead.id, payload: { dollars: 7 } }]);
    const replayed: unknown[] = [];
    const stream = createQueue(kit, {
      name: q,
      jobs: defineJobs({ charge: defineJob({ schema: z.object({ dollars: z.number().transform((d) => d * 100) }), handler: (p) => void replayed.push(p) }) }),
    });
    expect(await stream.requeueDeadLetters()).toBe(1);
    expect(await stream.consume({ budgetMs: 2000 })).toMatchObject({ completed: 1 });
    expect(replayed).toEqual([{ dollars: 700 }]);
  });

  it("a retry parses the stored input again: attempt 2 sees the same payload as attempt 1", async () => {
    const seen: unknown[] = [];
    const jobs = defineJobs({
      charge: defineJob({
        schema: z.object({ dollars: z.number().transform((d) => d * 100) }),
        backoff: { type: "fixed", delay: "50 ms" },
        handler: (payload, ctx) => {
          seen.push(payload);
          if (ctx.attempt === 1) throw new Error("first run fails");
        },
      }),
    });
    const queue = createQueue(streamKit(), { jobs, name: name() });
    await queue.enqueue("charge", { dollars: 3 });
    expect(await queue.consume({ budgetMs: 3000 })).toMatchObject({ retried: 1, completed: 1 });
    expect(seen).toEqual([{ dollars: 300 }, { dollars: 300 }]);
  });

  it("enqueue takes the schema's input type and refuses at once what would not survive storage", async () => {
    const seen: unknown[] = [];
    const queue = createQueue(streamKit(), {
      name: name(),
      jobs: defineJobs({
        ...transformingJobs(seen),
        when: defineJob({ schema: z.object({ at: z.date() }), handler: () => undefined }),
      }),
    });
    // Type level: the input of `parse` is { n: string; tags?: string[] } (its output has n: number).
    await queue.enqueue("parse", { n: "1" });
    // @ts-expect-error a number is the schema's output type, not its input
    await expect(queue.enqueue("parse", { n: 1 })).rejects.toBeInstanceOf(InvalidPayloadError);

    // A Date passes z.date() but comes back from Redis as a string: refused now, not dead-lettered later.
    const error = await queue.enqueue("when", { at: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect((error as InvalidPayloadError).issues).toEqual([{ path: "at", message: expect.stringContaining("stored as JSON") }]);
    await expect(queue.enqueueUnchecked("parse", { n: "1", big: 1n })).rejects.toThrow(/JSON-serialisable/);
    expect((await queue.stats()).length).toBe(1);
  });
});
