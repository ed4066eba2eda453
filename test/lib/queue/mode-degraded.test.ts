/**
 * The queue's mode comes from the USE_REDIS_QUEUE flag, with the env setting as the default. When the
 * flag cannot be read, the env default decides — in either mode, the enqueue result says so
 * (`degraded`), so a stream enqueue chosen by the fallback is not silent. msw fails only the flag's
 * read (an HGET); the enqueue itself reaches the real server.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { upstashTarget } from "../../setup/redis";
import { streamKit, testQueue } from "./fixtures";

const target = upstashTarget();
const msw = setupServer(
  http.post(`${target.url}/*`, async ({ request }) => {
    const body = await request.clone().text();
    return body.includes('"hget"') ? HttpResponse.json({ error: "down" }, { status: 500 }) : passthrough();
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

describe("queue mode when the flag cannot be read", () => {
  it("a stream enqueue decided by the env default says degraded", async () => {
    const queue = testQueue(streamKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } }));
    const result = await queue.enqueue("echo", { message: "default decided" });
    expect(result).toMatchObject({ mode: "stream", status: "queued", degraded: "redis-error" });
    expect(await queue.getJob(result.id)).toMatchObject({ status: "queued", mode: "stream" });
  });
});
