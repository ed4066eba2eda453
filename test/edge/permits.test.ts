/** POST /api/edge/permits/ingest through the real Hono app (`app.request`) and a real test kit. */
import { bypass, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { ingestPermits } from "@/edge/example/permits";
import { DEDUPE_MARK } from "@/lib/dedupe";
import { LOCK_ACQUIRE } from "@/lib/lock";
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
const app = createApp(kit, { register: registerExampleRoutes, basePath: "/api/edge" });
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

/** The first request carrying `script` is executed by the real server, then its reply is dropped. */
function loseFirstReplyOf(script: { sha1: string; name: string }): () => boolean {
  let lost = false;
  msw.use(
    http.post(`${upstashTarget().url}/*`, async ({ request }) => {
      const sent = await request.clone().text();
      const real = await fetch(bypass(request));
      const text = await real.text();
      if (!lost && (sent.includes(script.sha1) || sent.includes(`-- ${script.name}`)) && !text.includes("NOSCRIPT")) {
        lost = true;
        return HttpResponse.error();
      }
      return new HttpResponse(text, { status: real.status, headers: real.headers });
    }),
  );
  return () => lost;
}

describe("a request that fails after Redis marked (or locked) for it: the client's retry is not refused", () => {
  // No SDK retry: the lost reply surfaces as a 503, and the client retries with a new request.
  const noRetryKit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0", REDIS_RETRIES: "0", EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
  const noRetryApp = createApp(noRetryKit, { register: registerExampleRoutes, basePath: "/api/edge" });
  const raw = testRedis();
  const post = (ids: string[]) =>
    Promise.resolve(noRetryApp.request("/api/edge/permits/ingest", { method: "POST", body: JSON.stringify({ permits: ids.map((id) => ({ id })) }) }));
  const markersGone = async (ids: string[]) => {
    const keys = ids.map((id) => kit.keys.dedupe("permits", id));
    for (let i = 0; i < 40 && (await raw.exists(...keys)) > 0; i++) await new Promise((r) => setTimeout(r, 25));
  };

  it("a mark whose reply was lost: 503, its marks are given back, the retry accepts every permit", async () => {
    const ids = [`lost-a-${Date.now()}`, `lost-b-${Date.now()}`];
    const lost = loseFirstReplyOf(DEDUPE_MARK);
    const first = await post(ids);
    expect(lost()).toBe(true);
    expect(first.status).toBe(503);
    msw.resetHandlers();
    await markersGone(ids); // the background give-back, within the 1 s Retry-After
    const retry = await post(ids);
    expect(await retry.json()).toEqual({ accepted: ids, duplicates: [] });
  });

  it("a lock acquire whose reply was lost: 503, the orphaned grant is released, the retry is not 'lock busy'", async () => {
    const ids = [`lock-lost-${Date.now()}`];
    const lost = loseFirstReplyOf(LOCK_ACQUIRE);
    const first = await post(ids);
    expect(lost()).toBe(true);
    expect(first.status).toBe(503);
    expect((await first.json()).code).toBe("E_REDIS_UNAVAILABLE");
    msw.resetHandlers();
    const retry = await post(ids);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ accepted: ids, duplicates: [] });
  });

  it("processing that throws after the mark gives the ids back: the retry accepts them", async () => {
    const ids = [`proc-a-${Date.now()}`, `proc-b-${Date.now()}`];
    const request = () => new Request("http://x/api/permits/ingest", { method: "POST", body: JSON.stringify({ permits: [...ids, ids[0]].map((id) => ({ id })) }) });
    const seen: string[][] = [];
    const failing = ingestPermits(kit, request(), {
      process: (permits) => {
        seen.push(permits.map((p) => p.id));
        throw new Error("store down");
      },
    });
    await expect(failing).rejects.toThrow("store down");
    const retry = await ingestPermits(kit, request(), { process: (permits) => void seen.push(permits.map((p) => p.id)) });
    expect(await retry.json()).toEqual({ accepted: ids, duplicates: [ids[0]] });
    expect(seen).toEqual([ids, ids]); // one permit per fresh id, both times
  });
});

describe("Hono POST /api/edge/permits/ingest with its redis-server stopped", () => {
  it("answers 503 problem+json (fail-closed) and ingests again once Redis is back", async () => {
    const redis = await spawnRedisServer();
    const token = `permits-${randomBytes(6).toString("hex")}`;
    const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
    try {
      const privateApp = createApp(createTestKit({ url: server.url, token, env: { REDIS_BREAKER_THRESHOLD: "0" } }), { register: registerExampleRoutes, basePath: "/api/edge" });
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
