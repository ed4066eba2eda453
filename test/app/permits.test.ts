/**
 * POST /api/permits/ingest through Next's exported route handler (getKit() from process.env), with
 * the same contract as the Hono twin (test/edge/permits-support.ts).
 */
import { http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { POST } from "@/app/api/permits/ingest/route";
import { getKit, resetKitForTests } from "@/lib/kit-instance";
import { permitsContract } from "../edge/permits-support";
import { testRedis, uniquePrefix, upstashTarget } from "../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
const saved = { ...process.env };
beforeAll(() => {
  msw.listen({ onUnhandledRequest: "error" });
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("app-permits").slice(0, -1).replace(":", "-"),
    REDIS_BREAKER_THRESHOLD: "0",
  });
  resetKitForTests();
});
afterEach(() => msw.resetHandlers());
afterAll(async () => {
  msw.close();
  const raw = testRedis();
  const keys = await raw.keys(`${getKit().keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
  process.env = saved;
  resetKitForTests();
});

describe("Next POST /api/permits/ingest", () => {
  permitsContract({
    post: (body) =>
      POST(
        new Request("http://localhost/api/permits/ingest", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      ),
    kit: () => getKit(),
    msw,
    upstashUrl: target.url,
  });
});
