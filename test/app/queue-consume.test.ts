/**
 * GET|POST /api/queue/consume (Vercel Cron / QStash): bearer CRON_SECRET or 401 problem+json;
 * with the secret it drains the example queue within the (capped) budget.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleQueue } from "@/edge/example/jobs";
import { getKit, resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

const SECRET = "cron-secret-0123456789abcdef";
const saved = { ...process.env };
let GET: (req: Request) => Promise<Response>;
let POST: (req: Request) => Promise<Response>;

beforeAll(async () => {
  const target = upstashTarget();
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("consume").slice(0, -1).replace(":", "-"),
    USE_REDIS_QUEUE: "true",
    CRON_SECRET: SECRET,
  });
  resetKitForTests();
  ({ GET, POST } = await import("@/app/api/queue/consume/route"));
});
afterAll(() => {
  process.env = saved;
  resetKitForTests();
});

const call = (method: "GET" | "POST", authorization?: string) =>
  (method === "GET" ? GET : POST)(
    new Request("http://localhost/api/queue/consume?budgetMs=2000", { method, headers: authorization ? { authorization } : {} }),
  );

describe("/api/queue/consume", () => {
  it.each([
    ["no header", undefined],
    ["a wrong secret", `Bearer ${SECRET.slice(0, -1)}x`],
    ["the secret as a prefix", `Bearer ${SECRET}extra`],
    ["another scheme", `Basic ${SECRET}`],
  ])("401 problem+json with %s, and consumes nothing", async (_name, authorization) => {
    const { id } = await exampleQueue(getKit()).enqueue("echo", { message: "x" });
    const res = await call("GET", authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await exampleQueue(getKit()).getJob(id))?.status).toBe("queued");
  });

  it.each(["GET", "POST"] as const)("%s with the secret drains the queue and reports what it did", async (method) => {
    const queue = exampleQueue(getKit());
    await queue.consume({ budgetMs: 1000 }); // leftovers of the 401 cases
    const jobs = await Promise.all([1, 2, 3].map((n) => queue.enqueue("echo", { message: `m${n}` })));
    const res = await call(method, `Bearer ${SECRET}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ queue: "default", completed: 3, dead: 0, stoppedBy: "empty" });
    for (const { id } of jobs) expect((await queue.getJob(id))?.status).toBe("completed");
  });

  it("concurrent invocations split the work; every job runs once", async () => {
    const queue = exampleQueue(getKit());
    const jobs = await Promise.all(Array.from({ length: 40 }, (_, n) => queue.enqueue("echo", { message: `c${n}` })));
    const results = (await Promise.all([1, 2, 3].map(() => call("POST", `Bearer ${SECRET}`).then((r) => r.json())))) as { completed: number }[];
    expect(results.reduce((sum, r) => sum + r.completed, 0)).toBe(40);
    for (const { id } of jobs) expect(await queue.getJob(id)).toMatchObject({ status: "completed", attempts: 1 });
  });
});
