/**
 * `GET /stats` and `POST /stats/reset` on a private upstash-local (the shared one counts every
 * other file's traffic too). Fronts the shared redis-server: nothing here changes Redis state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashLocal, type UpstashLocal, type UpstashLocalStats } from "../../../tools/upstash-local/server";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";
import { post } from "./protocol-support";

const p = uniquePrefix("stats");
const token = "stats-test-token";
let server: UpstashLocal;
const target = () => ({ url: server.url, token });

async function httpStats(): Promise<UpstashLocalStats> {
  const res = await fetch(`${server.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as UpstashLocalStats;
}

beforeAll(async () => {
  server = await startUpstashLocal({ port: 0, token, redisUrl: upstashTarget().redisUrl });
});
afterAll(() => server.close());

describe("/stats", () => {
  it("counts one pipeline of 3 as +1 request and +3 commands; /stats itself is not counted", async () => {
    await post(target(), "/stats/reset", []);
    const before = await httpStats();
    await post(target(), "/pipeline", [["SET", `${p}a`, 1], ["INCR", `${p}a`], ["GET", `${p}a`]]);
    const after = await httpStats();
    expect(after.httpRequests - before.httpRequests).toBe(1);
    expect(after.redisCommands - before.redisCommands).toBe(3);
    expect(after.pipelines - before.pipelines).toBe(1);
    expect(server.stats()).toEqual(after);
  });

  it("counts user commands of a transaction (not MULTI/EXEC) and errors", async () => {
    await post(target(), "/stats/reset", []);
    await post(target(), "/multi-exec", [["SET", `${p}b`, "x"], ["INCR", `${p}b`]]);
    await post(target(), "/", ["HGET", `${p}b`, "f"]);
    await post(target(), "/", ["PING"], { token: "wrong" });
    const stats = await httpStats();
    expect(stats).toMatchObject({ httpRequests: 2, redisCommands: 3, transactions: 1, pipelines: 0 });
    // INCR on a string inside EXEC, HGET WRONGTYPE, the 401.
    expect(stats.errors).toBe(3);
  });

  it("resets counters and startedAt", async () => {
    await post(target(), "/", ["PING"]);
    const before = await httpStats();
    await new Promise((r) => setTimeout(r, 5));
    const reset = await post(target(), "/stats/reset", []);
    expect(reset.json).toEqual({ result: "OK" });
    const after = await httpStats();
    expect(after).toMatchObject({ httpRequests: 0, redisCommands: 0, pipelines: 0, transactions: 0, errors: 0 });
    expect(Date.parse(after.startedAt)).toBeGreaterThan(Date.parse(before.startedAt));
  });

  it("counts auto-pipelined client calls", async () => {
    await post(target(), "/stats/reset", []);
    const redis = testRedis({ url: server.url, token });
    await Promise.all([redis.set(`${p}c`, 1), redis.get(`${p}c`), redis.get(`${p}d`)]);
    const stats = await httpStats();
    expect(stats.redisCommands).toBe(3);
    expect(stats.httpRequests).toBeGreaterThanOrEqual(1);
    expect(stats.httpRequests).toBeLessThanOrEqual(2);
  });
});
