/**
 * One job's failure is that job's outcome only: whatever a handler or a schema throws, its batch
 * siblings are still settled (acked, not re-run), and consume() itself does not throw (which the
 * consume endpoint would turn into a 500).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueue, defineJob, defineJobs } from "@/lib/queue";
import { errorText } from "@/lib/queue/job-record";
import { streamKit } from "./fixtures";

const throwing = (value: () => unknown) => defineJob({ schema: z.object({}), handler: () => { throw value(); } });

describe("a batch survives any one job's throw", () => {
  it("settles every job of a batch in which handlers and a schema throw unprintable values", async () => {
    let good = 0;
    let schemaThrows = false;
    const jobs = defineJobs({
      good: defineJob({ schema: z.object({}), handler: () => void (good += 1) }),
      nullProto: throwing(() => Object.create(null)),
      badToString: throwing(() => ({ toString: () => { throw new Error("no string for you"); }, code: 7 })),
      symbol: throwing(() => Symbol("sym")),
      // A refine that throws (instead of adding an issue) once a "deploy" made it so.
      refine: defineJob({
        schema: z.object({}).refine(() => {
          if (schemaThrows) throw new Error("refine blew up");
          return true;
        }),
        handler: () => undefined,
      }),
    });
    const queue = createQueue(streamKit(), { jobs, name: `q-${crypto.randomUUID().slice(0, 8)}`, maxAttempts: 1 });
    const goods = await Promise.all([queue.enqueue("good", {}), queue.enqueue("good", {})]);
    const bad = {
      nullProto: await queue.enqueue("nullProto", {}),
      badToString: await queue.enqueue("badToString", {}),
      symbol: await queue.enqueue("symbol", {}),
      refine: await queue.enqueue("refine", {}),
    };
    schemaThrows = true;

    const result = await queue.consume({ budgetMs: 2000, batchSize: 10 });
    expect(result).toMatchObject({ batches: 1, fetched: 6, completed: 2, dead: 4, stoppedBy: "empty" });
    expect(good).toBe(2);
    for (const { id } of goods) expect(await queue.getJob(id)).toMatchObject({ status: "completed" });
    expect((await queue.getJob(bad.nullProto.id))?.lastError).toBe("non-error thrown: {}");
    expect((await queue.getJob(bad.badToString.id))?.lastError).toBe('non-error thrown: {"code":7}');
    expect((await queue.getJob(bad.symbol.id))?.lastError).toBe("Symbol(sym)");
    expect((await queue.getJob(bad.refine.id))?.lastError).toBe("Error: refine blew up");
    // Nothing left pending to be re-run: the siblings were not lost with the bad ones.
    expect(await queue.stats()).toMatchObject({ length: 0, pending: 0, deadLetters: 4 });
  });
});

describe("errorText", () => {
  it("describes any thrown value without throwing", () => {
    const cyclic: Record<string, unknown> = Object.create(null);
    cyclic.self = cyclic;
    const hostile = new Proxy({}, { get: () => { throw new Error("trap"); }, getPrototypeOf: () => { throw new Error("trap"); } });
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", { get: () => { throw new Error("getter"); } });

    expect(errorText(new TypeError("bad"))).toBe("TypeError: bad");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(undefined)).toBe("undefined");
    expect(errorText(Object.create(null))).toBe("non-error thrown: {}");
    expect(errorText(Symbol("s"))).toBe("Symbol(s)");
    expect(errorText(10n)).toBe("10");
    expect(errorText(cyclic)).toBe("non-error thrown: [object Object]");
    expect(errorText(badMessage)).toBe("non-error thrown: {}");
    expect(errorText(hostile)).toBe("non-error thrown: object");
    expect(errorText(new Error("y".repeat(5000)))).toHaveLength(1000);
  });
});
