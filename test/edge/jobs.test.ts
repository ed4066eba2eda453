/**
 * POST /jobs and GET /jobs/:id on the Hono app (`/api/edge/*`), with the app's real route table,
 * in both queue modes.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { exampleQueue } from "@/edge/example/jobs";
import { routes } from "@/kit.config";
import { createTestKit } from "../setup/kit";

function appWith(useRedisQueue: boolean) {
  const kit = createTestKit({ env: { USE_REDIS_QUEUE: String(useRedisQueue) } });
  return { kit, app: createApp(kit, { register: registerExampleRoutes, basePath: "/api/edge", routes }) };
}

let ip = 0;
const post = (app: ReturnType<typeof appWith>["app"], body: unknown) =>
  app.request("/api/edge/jobs", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": `10.77.0.${++ip}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Hono /api/edge/jobs (stream mode)", () => {
  it("POST → 202 {id, status: queued}; the consumer runs it; GET shows it completed", async () => {
    const { kit, app } = appWith(true);
    const res = await post(app, { type: "order.confirm", payload: { order_id: "ord_1" } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; status: string };
    expect(body).toMatchObject({ id: expect.any(String), status: "queued", mode: "stream", duplicate: false });
    expect(res.headers.get("location")).toBe(`/api/edge/jobs/${body.id}`);

    const queued = await app.request(`/api/edge/jobs/${body.id}`);
    expect(await queued.json()).toMatchObject({ id: body.id, type: "order.confirm", status: "queued", attempts: 0 });

    await exampleQueue(kit).consume({ budgetMs: 2000 });
    const done = await app.request(`/api/edge/jobs/${body.id}`);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ status: "completed", attempts: 1, result: { order_id: "ord_1", job_id: body.id } });
  });

  it("dedupe_id: the same id enqueues once", async () => {
    const { app } = appWith(true);
    const a = (await (await post(app, { type: "echo", payload: { message: "x" }, dedupe_id: "d-1" })).json()) as { id: string };
    const b = await post(app, { type: "echo", payload: { message: "x" }, dedupe_id: "d-1" });
    expect(b.status).toBe(202);
    expect(await b.json()).toMatchObject({ id: a.id, duplicate: true });
  });

  it.each([
    ["not JSON", "{nope", "Invalid JSON body", undefined],
    ["no type", { payload: {} }, "Invalid job request", [{ path: "type", message: expect.any(String) }]],
    ["unknown type", { type: "nope", payload: {} }, "Unknown job type", [{ path: "type", message: "must be one of order.confirm, echo" }]],
    ["bad payload", { type: "echo", payload: { message: 7 } }, "Invalid job payload", [{ path: "payload.message", message: expect.any(String) }]],
    ["missing payload", { type: "order.confirm" }, "Invalid job request", [{ path: "payload", message: expect.any(String) }]],
  ])("%s → 400 problem+json naming the problem, nothing enqueued", async (_name, body, title, errors) => {
    const { kit, app } = appWith(true);
    const res = await post(app, body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = await res.json();
    expect(problem).toMatchObject({ status: 400, title, ...(errors ? { errors } : {}) });
    expect((await exampleQueue(kit).stats()).totals.enqueued ?? 0).toBe(0);
  });

  it("GET of an unknown id → 404 problem+json", async () => {
    const { app } = appWith(true);
    const res = await app.request("/api/edge/jobs/does-not-exist");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("Hono /api/edge/jobs (inline fallback, the default)", () => {
  it("runs the job in-process after the response and records its status", async () => {
    const { app } = appWith(false);
    const res = await post(app, { type: "echo", payload: { message: "inline" } });
    expect(res.status).toBe(202);
    const { id, mode } = (await res.json()) as { id: string; mode: string };
    expect(mode).toBe("inline");
    const job = await until(
      async () => (await (await app.request(`/api/edge/jobs/${id}`)).json()) as { status: string },
      (j) => j.status === "completed",
    );
    expect(job).toMatchObject({ status: "completed", mode: "inline", attempts: 1, result: { message: "inline" } });
  });
});
