/**
 * Bearer / `_token` auth, the 401 JSON body and what the real client throws (spec §3), and the
 * optional read-only token (a private upstash-local in front of the shared redis-server).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { startUpstashLocal, type UpstashLocal } from "../../../tools/upstash-local/server";
import { uniquePrefix, upstashTarget } from "../../setup/redis";
import { post } from "./protocol-support";

const p = uniquePrefix("auth");
const UNAUTHORIZED = { error: "WRONGPASS invalid or missing auth token" };

describe("token auth", () => {
  it("rejects a missing token with 401 JSON", async () => {
    const res = await post(upstashTarget(), "/", ["PING"], { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(UNAUTHORIZED);
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("rejects a wrong token, a non-Bearer scheme and an empty bearer on every endpoint", async () => {
    for (const path of ["/", "/pipeline", "/multi-exec", "/subscribe/x", "/stats"]) {
      const res = await post(upstashTarget(), path, path === "/" ? ["PING"] : [["PING"]], { token: "nope" });
      expect([path, res.status, res.json]).toEqual([path, 401, UNAUTHORIZED]);
    }
    const basic = await post(upstashTarget(), "/", ["PING"], { token: null, headers: { authorization: `Basic ${upstashTarget().token}` } });
    expect(basic.status).toBe(401);
    const empty = await post(upstashTarget(), "/", ["PING"], { token: null, headers: { authorization: "Bearer " } });
    expect(empty.status).toBe(401);
  });

  it("accepts ?_token= instead of the header", async () => {
    const res = await post(upstashTarget(), `/?_token=${encodeURIComponent(upstashTarget().token)}`, ["ECHO", "hi"], { token: null });
    expect(res).toMatchObject({ status: 200, json: { result: "hi" } });
    const wrong = await post(upstashTarget(), "/?_token=bad", ["ECHO", "hi"], { token: null });
    expect(wrong.status).toBe(401);
  });

  it("accepts the bearer scheme case-insensitively", async () => {
    const res = await post(upstashTarget(), "/", ["PING"], { token: null, headers: { authorization: `bearer ${upstashTarget().token}` } });
    expect(res.status).toBe(200);
  });

  it("makes the real client throw UpstashError with the server's text", async () => {
    const redis = new Redis({ url: upstashTarget().url, token: "wrong", retry: { retries: 0 }, enableTelemetry: false });
    await expect(redis.get(`${p}k`)).rejects.toThrow('WRONGPASS invalid or missing auth token, command was: [["get","');
    await expect(redis.hgetall(`${p}k`)).rejects.toThrow(`WRONGPASS invalid or missing auth token, command was: ["hgetall","${p}k"]`);
  });
});

describe("read-only token", () => {
  let server: UpstashLocal;
  const token = "rw-token-for-test";
  const readonlyToken = "ro-token-for-test";
  const target = (t: string) => ({ url: server.url, token: t });

  beforeAll(async () => {
    server = await startUpstashLocal({ port: 0, token, readonlyToken, redisUrl: upstashTarget().redisUrl });
  });
  afterAll(() => server.close());

  it("allows reads and denies writes and EVAL with NOPERM", async () => {
    await post(target(token), "/", ["SET", `${p}ro`, "v"]);
    expect((await post(target(readonlyToken), "/", ["GET", `${p}ro`])).json).toEqual({ result: "v" });
    const write = await post(target(readonlyToken), "/", ["SET", `${p}ro`, "w"]);
    expect(write).toMatchObject({ status: 400, json: { error: "NOPERM this user has no permissions to run the 'set' command or its subcommand" } });
    const pipe = await post(target(readonlyToken), "/pipeline", [["GET", `${p}ro`], ["DEL", `${p}ro`], ["EVALSHA", "0".repeat(40), 0]]);
    expect(pipe.json).toEqual([
      { result: "v" },
      { error: "NOPERM this user has no permissions to run the 'del' command or its subcommand" },
      { error: "NOPERM this user has no permissions to run the 'evalsha' command or its subcommand" },
    ]);
    expect((await post(target(token), "/", ["GET", `${p}ro`])).json).toEqual({ result: "v" });
  });

  it("denies a transaction containing a write with 400", async () => {
    const res = await post(target(readonlyToken), "/multi-exec", [["GET", `${p}ro`], ["INCR", `${p}ro2`]]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "NOPERM this user has no permissions to run the 'incr' command or its subcommand" });
  });

  it("may read /stats but not reset it", async () => {
    expect((await fetch(`${server.url}/stats?_token=${readonlyToken}`)).status).toBe(200);
    expect((await post(target(readonlyToken), "/stats/reset", [])).status).toBe(404);
  });
});
