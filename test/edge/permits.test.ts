/** POST /api/edge/permits/ingest through the real Hono app (`app.request`) and a real test kit. */
import { http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { spawnRedisServer } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../setup/kit";
import { testRedis, upstashTarget } from "../setup/redis";
import { permitsContract } from "./permits-support";

const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
// No route table: this file tests the route itself, not the rate limit in front of it.
const app = createApp(kit, { basePath: "/api/edge" });
afterAll(async () => {
  const raw = testRedis();
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("Hono POST /api/edge/permits/ingest", () => {
  permitsContract({
    post: (body) =>
      app.request("/api/edge/permits/ingest", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    kit: () => kit,
    msw,
    upstashUrl: upstashTarget().url,
  });
});

describe("Hono POST /api/edge/permits/ingest with its redis-server stopped", () => {
  it("answers 503 problem+json (fail-closed) and ingests again once Redis is back", async () => {
    const redis = await spawnRedisServer();
    const token = `permits-${randomBytes(6).toString("hex")}`;
    const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
    try {
      const privateApp = createApp(createTestKit({ url: server.url, token, env: { REDIS_BREAKER_THRESHOLD: "0" } }), { basePath: "/api/edge" });
      const post = () =>
        privateApp.request("/api/edge/permits/ingest", { method: "POST", body: JSON.stringify({ permits: [{ id: "p-1" }] }) });
      expect((await post()).status).toBe(200);
      await redis.stop();
      const down = await post();
      expect(down.status).toBe(503);
      expect(down.headers.get("content-type")).toBe("application/problem+json");
      expect(down.headers.get("retry-after")).toMatch(/^\d+$/);
      const restarted = await spawnRedisServer({ port: redis.port });
      try {
        let res: Response | undefined;
        for (let i = 0; i < 100 && res?.status !== 200; i++) {
          if (res) await new Promise((r) => setTimeout(r, 100));
          res = await post();
        }
        expect(res?.status).toBe(200);
        expect(await res!.json()).toEqual({ accepted: ["p-1"], duplicates: [] }); // a fresh, empty server
      } finally {
        await restarted.stop();
      }
    } finally {
      await server.close();
    }
  });
});
