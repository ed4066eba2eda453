/**
 * Response envelopes of `/`, `/pipeline`, `/multi-exec` (spec §4), argument conversion (§1),
 * the sync token (§6), CORS (§10), health, path form, 404/405 — raw HTTP and the real client.
 */
import { describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";
import { b64, post } from "./protocol-support";

const p = uniquePrefix("env");
const target = () => upstashTarget();

describe("POST / (single command)", () => {
  it("answers {result} with status 200, and result is present even when null", async () => {
    const set = await post(target(), "/", ["SET", `${p}a`, "bar"]);
    expect(set).toMatchObject({ status: 200, json: { result: "OK" } });
    const missing = await post(target(), "/", ["GET", `${p}missing`]);
    expect(missing.status).toBe(200);
    expect(missing.text).toBe('{"result":null}');
    expect(missing.headers.get("content-type")).toBe("application/json");
  });

  it("turns a Redis error into 400 {error} with the verbatim text", async () => {
    await post(target(), "/", ["SET", `${p}str`, "x"]);
    const res = await post(target(), "/", ["HGET", `${p}str`, "f"], { base64: true });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "WRONGTYPE Operation against a key holding the wrong kind of value" });
    const unknown = await post(target(), "/", ["NOSUCHCMD"]);
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: string }).error).toMatch(/^ERR unknown command 'NOSUCHCMD'/);
  });

  it("fails the command when an error is nested inside a reply (Lua table with error_reply)", async () => {
    const res = await post(target(), "/", ["EVAL", "return {1, redis.error_reply('NESTED boom')}", 0]);
    expect(res).toMatchObject({ status: 400, json: { error: "NESTED boom" } });
  });

  it("converts numbers, booleans and null arguments (§1)", async () => {
    await post(target(), "/", ["RPUSH", `${p}args`, 1.5, 1795314977129, true, false, null]);
    const res = await post(target(), "/", ["LRANGE", `${p}args`, 0, -1]);
    expect(res.json).toEqual({ result: ["1.5", "1795314977129", "true", "false", ""] });
  });

  it("emits integers beyond 2^53 as exact JSON digits", async () => {
    const res = await post(target(), "/", ["INCRBY", `${p}big`, "9007199254740993"]);
    expect(res.text).toBe('{"result":9007199254740993}');
  });
});

describe("POST /pipeline", () => {
  it("answers every entry in order, failing entries inline, always 200", async () => {
    const res = await post(
      target(),
      "/pipeline",
      [["SET", `${p}p`, "OK"], ["GET", `${p}p`], ["LPUSH", `${p}p`, "x"], ["INCR", `${p}n`], ["MGET", `${p}p`, `${p}nope`]],
      { base64: true },
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: "OK" },
      // ioredis cannot tell a bulk "OK" from a status +OK; both are sent as "OK", which decodes to "OK" anyway.
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 1 },
      { result: [b64("OK"), null] },
    ]);
  });

  it("is a 200 array even when every entry failed", async () => {
    const res = await post(target(), "/pipeline", [["NOSUCH1"], ["NOSUCH2"]]);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    expect((res.json as unknown[]).every((e) => typeof (e as { error?: string }).error === "string")).toBe(true);
  });

  it("surfaces an entry error through the real client as 'Command failed'", async () => {
    const redis = testRedis();
    await redis.set(`${p}client-str`, "x");
    await expect(redis.hget(`${p}client-str`, "f")).rejects.toThrow(/WRONGTYPE/);
    const results = await redis.pipeline().set(`${p}c1`, 1).incr(`${p}c1`).lpush(`${p}c1`, "x").exec({ keepErrors: true });
    expect(results.map((r) => r.error ?? r.result)).toEqual(["OK", 2, expect.stringMatching(/^WRONGTYPE/)]);
  });
});

describe("POST /multi-exec", () => {
  it("returns per-entry results and EXEC-time errors as {error} entries", async () => {
    const res = await post(target(), "/multi-exec", [["SET", `${p}m`, "valuex"], ["INCR", `${p}m`], ["GET", `${p}m`]], { base64: true });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([{ result: "OK" }, { error: "ERR value is not an integer or out of range" }, { result: b64("valuex") }]);
  });

  it("answers a queue-time error with 400 and the first queued error's text", async () => {
    const res = await post(target(), "/multi-exec", [["SET", `${p}q`, "1"], ["SADD", `${p}s`], ["NOSUCH"]]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "ERR wrong number of arguments for 'sadd' command" });
    expect((await post(target(), "/", ["EXISTS", `${p}q`])).json).toEqual({ result: 0 });
  });

  it("works through redis.multi() of the real client", async () => {
    const redis = testRedis();
    const out = await redis.multi().set(`${p}tx`, 1).incr(`${p}tx`).get(`${p}tx`).exec();
    expect(out).toEqual(["OK", 2, 2]);
  });
});

describe("headers, health and routing", () => {
  it("sends a fresh upstash-sync-token on every response and ignores the inbound value", async () => {
    const seen = new Set<string>();
    for (const path of ["/", "/pipeline", "/", "/multi-exec"]) {
      const body = path === "/" ? ["PING"] : [["PING"]];
      const res = await post(target(), path, body, { headers: { "upstash-sync-token": "my-new-sync-token" } });
      const token = res.headers.get("upstash-sync-token");
      expect(token).toBeTruthy();
      seen.add(token!);
    }
    const failed = await post(target(), "/", ["GET", "x"], { token: "wrong" });
    seen.add(failed.headers.get("upstash-sync-token")!);
    expect(seen.size).toBe(5);
  });

  it("lets the client's read-your-writes token change after each write", async () => {
    const redis = testRedis();
    await redis.set(`${p}ryw`, 1);
    const first = redis.readYourWritesSyncToken;
    await redis.incr(`${p}ryw`);
    expect(first).toBeTruthy();
    expect(redis.readYourWritesSyncToken).not.toBe(first);
    redis.readYourWritesSyncToken = "my-new-sync-token";
    expect(await redis.set(`${p}ryw`, 3)).toBe("OK");
  });

  it("answers CORS preflights and exposes the sync token", async () => {
    const res = await fetch(target().url + "/pipeline", {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, upstash-encoding, x-evil" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type, upstash-encoding");
    const post1 = await post(target(), "/", ["PING"]);
    expect(post1.headers.get("access-control-expose-headers")).toBe("upstash-sync-token");
  });

  it("GET / reports health without auth", async () => {
    const res = await fetch(target().url + "/");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, name: "upstash-local", redis: "connected" });
  });

  it("404s unknown routes and 405s unsupported methods, as JSON", async () => {
    const notFound = await post(target(), "/definitely/not/here", []);
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ error: expect.any(String) });
    const del = await post(target(), "/", ["PING"], { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(del.json).toMatchObject({ error: expect.any(String) });
    const getPipeline = await fetch(`${target().url}/pipeline?_token=${target().token}`);
    expect(getPipeline.status).toBe(405);
  });

  it("supports the path form: segments, raw POST body and query args", async () => {
    const { url, token } = target();
    const auth = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${url}/set/${p}path/hello%20world`, { headers: auth })).json()).toEqual({ result: "OK" });
    expect(await (await fetch(`${url}/get/${p}path`, { headers: auth })).json()).toEqual({ result: "hello world" });
    const withBody = await fetch(`${url}/set/${p}path2?EX=100`, { method: "POST", headers: auth, body: '{"raw":true}' });
    expect(await withBody.json()).toEqual({ result: "OK" });
    expect((await post(target(), "/", ["GET", `${p}path2`])).json).toEqual({ result: '{"raw":true}' });
    expect((await post(target(), "/", ["TTL", `${p}path2`])).json).toEqual({ result: 100 });
  });

  it("works with a base URL that has a trailing slash in the real client", async () => {
    const redis = new Redis({ url: `${target().url}/`, token: target().token, retry: { retries: 0 }, enableTelemetry: false });
    expect(await redis.echo("hi")).toBe("hi");
  });
});
