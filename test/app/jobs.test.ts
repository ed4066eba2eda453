/**
 * The Next entry point of the job endpoints: the exported route handlers of app/api/jobs/… called
 * directly, with getKit() built from process.env (so USE_REDIS_QUEUE is read the way production does).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

const saved = { ...process.env };
let POST: (req: Request) => Promise<Response>;
let GET: (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;

function useEnv(useRedisQueue: boolean) {
  const target = upstashTarget();
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("jobs").slice(0, -1).replace(":", "-"),
    USE_REDIS_QUEUE: String(useRedisQueue),
  });
  resetKitForTests();
}

beforeAll(async () => {
  ({ POST } = await import("@/app/api/jobs/route"));
  ({ GET } = await import("@/app/api/jobs/[id]/route"));
});
afterAll(() => {
  process.env = saved;
  resetKitForTests();
});

const create = (body: unknown) =>
  POST(new Request("http://localhost/api/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
const status = async (id: string) => GET(new Request(`http://localhost/api/jobs/${id}`), { params: Promise.resolve({ id }) });

describe("Next /api/jobs", () => {
  it("stream mode: 202 {id, status: queued}, then GET /api/jobs/:id reads the record", async () => {
    useEnv(true);
    const res = await create({ type: "echo", payload: { message: "hello" } });
    expect(res.status).toBe(202);
    const { id, status: s } = (await res.json()) as { id: string; status: string };
    expect(s).toBe("queued");
    const read = await status(id);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id, type: "echo", status: "queued", mode: "stream" });
  });

  it("inline mode (default): the job runs after the response; its status is recorded", async () => {
    useEnv(false);
    const { id, mode } = (await (await create({ type: "order.confirm", payload: { order_id: "ord_9" } })).json()) as { id: string; mode: string };
    expect(mode).toBe("inline");
    let job: { status?: string } = {};
    for (let i = 0; i < 100 && job.status !== "completed"; i++) {
      job = (await (await status(id)).json()) as { status?: string };
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(job).toMatchObject({ status: "completed", attempts: 1, result: { order_id: "ord_9" } });
  });

  it("bad payload → 400 problem+json; unknown id → 404 problem+json", async () => {
    useEnv(true);
    const bad = await create({ type: "order.confirm", payload: { order_id: "" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    expect(await bad.json()).toMatchObject({ title: "Invalid job payload", errors: [{ path: "payload.order_id" }] });
    const missing = await status("nope");
    expect(missing.status).toBe(404);
  });
});
