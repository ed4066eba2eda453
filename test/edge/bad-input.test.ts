/**
 * Bad input never yields a 500: identifiers the kit cannot key (too long once encoded), odd job ids
 * and dedupe ids get clear 4xx problem+json answers on the Hono app; a dependency outage at the
 * queue consumer is a 503 with Retry-After.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { exampleQueue } from "@/edge/example/jobs";
import { routes } from "@/kit.config";
import { handleConsumeRequest } from "@/lib/queue";
import { createTestKit } from "../setup/kit";

const app = () => createApp(createTestKit(), { register: registerExampleRoutes, basePath: "/api/edge", routes });
const longId = "!".repeat(200); // each "!" is 3 bytes once percent-encoded into a key part

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { status: number; title: string };
  expect(body.status).toBe(status);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  return body;
}

describe("bad input on the Hono app", () => {
  it("an item id too long to key is a 400 problem, not a 500", async () => {
    const body = await expectProblem(await app().request(`/api/edge/items/${longId}`), 400);
    expect(body.title).toMatch(/Invalid/);
  });

  it("a job id that cannot exist is a 404 problem, not a 500", async () => {
    await expectProblem(await app().request(`/api/edge/jobs/${longId}`), 404);
    await expectProblem(await app().request(`/api/edge/jobs/${encodeURIComponent("🚀".repeat(60))}`), 404);
  });

  it("a dedupe_id outside the safe charset is a 400 naming the field", async () => {
    const res = await app().request("/api/edge/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "10.91.0.1" },
      body: JSON.stringify({ type: "echo", payload: { message: "hi" }, dedupe_id: longId }),
    });
    const body = (await expectProblem(res, 400)) as unknown as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toContain("dedupe_id");
  });
});

describe("an oversized body without Content-Length (chunked)", () => {
  it("POST /jobs: 413 problem+json after reading just past the 64 KiB cap, the rest never pulled", async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * 1024 * 1024) return controller.close(); // 64 MiB if read to the end
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request("http://localhost/api/edge/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "10.91.0.2" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const problem = await expectProblem(await app().request(request), 413);
    expect(problem.title).toMatch(/too large/);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(64 * 1024 + 3 * chunk.byteLength);
  });
});

describe("PUT /items/:id with an oversized body", () => {
  it("413 problem+json after reading just past the cap, the rest never pulled (not buffered whole by request.text())", async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 8 * 1024 * 1024) return controller.close(); // 8 MiB if read to the end
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request("http://localhost/api/edge/items/big-body", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-forwarded-for": "10.91.0.3" },
      body,
      duplex: "half",
    } as RequestInit);
    const problem = await expectProblem(await app().request(request), 413);
    expect(problem.title).toMatch(/too large/);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(64 * 1024 + 3 * chunk.byteLength);
  });

  it("a declared Content-Length over the cap is a 413 too", async () => {
    const res = await app().request("/api/edge/items/big-body", {
      method: "PUT",
      headers: { "content-type": "application/json", "content-length": String(10 * 1024 * 1024), "x-forwarded-for": "10.91.0.4" },
      body: JSON.stringify({ name: "x" }),
    });
    await expectProblem(res, 413);
  });
});

describe("queue consumer with Redis down", () => {
  it("answers 503 + Retry-After problem+json instead of throwing", async () => {
    const secret = `cron-${randomBytes(12).toString("hex")}`;
    // A REST endpoint that refuses connections: every Redis call fails fast.
    const kit = createTestKit({ url: "http://127.0.0.1:9", env: { USE_REDIS_QUEUE: "true", CRON_SECRET: secret } });
    const res = await handleConsumeRequest(
      new Request("http://localhost/api/queue/consume", { headers: { authorization: `Bearer ${secret}` } }),
      exampleQueue(kit),
      { secret, budgetMs: 2000 },
    );
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
