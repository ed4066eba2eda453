/**
 * runScript: EVALSHA first, EVAL only after NOSCRIPT. The commands actually sent are read from
 * the request bodies (msw observes and passes every request through to the real server).
 */
import { randomBytes } from "node:crypto";
import { http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedis, defineScript, isNoScriptError, redisErrorReply, runScript, scriptSha1 } from "@/lib/redis";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { testRedis, upstashTarget, uniquePrefix } from "../../setup/redis";

const target = upstashTarget();
/** First word of every command sent, per HTTP request, e.g. [["evalsha"], ["eval"]]. */
let sent: string[][] = [];
// Records each request's commands (awaited before the request goes on), then passes it through.
const msw = setupServer(
  http.all("*", async ({ request }) => {
    if (request.url.startsWith(target.url) && request.method === "POST") {
      const body = (await request.clone().json()) as unknown[];
      const commands = Array.isArray(body[0]) ? (body as unknown[][]) : [body];
      sent.push(commands.map((c) => String(c[0]).toLowerCase()));
    }
    return passthrough();
  }),
);

beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  sent = [];
});
afterAll(() => msw.close());

/** A script no server has seen: its text (hence its SHA-1) is unique to this run. */
async function freshScript() {
  const source = `-- run-script test ${randomBytes(8).toString("hex")}\nreturn {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}\n`;
  return defineScript<[string, string, number]>({ name: "fresh", source, sha1: await scriptSha1(source) });
}

describe("runScript", () => {
  const prefix = uniquePrefix("run-script");

  it.each([true, false])("auto-pipelining %s: first call EVALSHA → NOSCRIPT → EVAL, second call EVALSHA only", async (autoPipelining) => {
    const redis = createRedis({ url: target.url, token: target.token, commandTimeoutMs: 2000, retries: 0, autoPipelining });
    const script = await freshScript();

    await expect(runScript(redis, script, [`${prefix}k`], ["v", 41])).resolves.toEqual([`${prefix}k`, "v", 42]);
    expect(sent).toEqual([["evalsha"], ["eval"]]);

    sent = [];
    await expect(runScript(redis, script, [`${prefix}k`], ["w", 1])).resolves.toEqual([`${prefix}k`, "w", 2]);
    expect(sent).toEqual([["evalsha"]]);
  });

  it("does not fall back to EVAL on other errors (the script's own error propagates)", async () => {
    const redis = testRedis();
    const source = `-- failing ${randomBytes(4).toString("hex")}\nreturn redis.error_reply("ERR boom")\n`;
    const script = defineScript({ name: "failing", source, sha1: await scriptSha1(source) });
    await redis.scriptLoad(source);
    sent = [];
    const error = await runScript(redis, script, [], []).catch((err: unknown) => err);
    expect(isNoScriptError(error)).toBe(false);
    expect(redisErrorReply(error)).toMatchObject({ code: "ERR" });
    expect(sent).toEqual([["evalsha"]]);
  });
});

describe("runScript as the server counts it (private upstash-local, GET /stats)", () => {
  const token = `t-${randomBytes(8).toString("hex")}`;
  let redisServer: SpawnedRedis;
  let local: UpstashLocal;
  beforeAll(async () => {
    redisServer = await spawnRedisServer();
    local = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
  });
  afterAll(async () => {
    await local?.close();
    await redisServer?.stop();
  });

  async function stats(): Promise<{ httpRequests: number; redisCommands: number }> {
    const res = await fetch(`${local.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as { httpRequests: number; redisCommands: number };
  }

  it("a fresh script costs 2 requests (EVALSHA, EVAL) once, then 1 (EVALSHA)", async () => {
    const redis = createRedis({ url: local.url, token, commandTimeoutMs: 2000, retries: 0 });
    const script = await freshScript();
    const s0 = await stats();
    await runScript(redis, script, ["k"], ["v", 1]);
    const s1 = await stats();
    await runScript(redis, script, ["k"], ["v", 2]);
    const s2 = await stats();
    expect([s1.httpRequests - s0.httpRequests, s1.redisCommands - s0.redisCommands]).toEqual([2, 2]);
    expect([s2.httpRequests - s1.httpRequests, s2.redisCommands - s1.redisCommands]).toEqual([1, 1]);
  });
});

describe("isNoScriptError / redisErrorReply (real client errors)", () => {
  const unknownSha = "0".repeat(40);

  it("recognises NOSCRIPT in an auto-pipelined reply", async () => {
    const error = await testRedis()
      .evalsha(unknownSha, [], [])
      .catch((err: unknown) => err);
    expect((error as Error).message).toMatch(/^Command failed: NOSCRIPT/);
    expect(isNoScriptError(error)).toBe(true);
    expect(redisErrorReply(error)).toMatchObject({ code: "NOSCRIPT", inBatch: true });
  });

  it("recognises NOSCRIPT in a single-command 400 reply", async () => {
    const redis = createRedis({ url: target.url, token: target.token, commandTimeoutMs: 2000, retries: 0, autoPipelining: false });
    const error = await redis.evalsha(unknownSha, [], []).catch((err: unknown) => err);
    expect((error as Error).message).toContain(", command was: ");
    expect(isNoScriptError(error)).toBe(true);
    expect(redisErrorReply(error)).toMatchObject({ code: "NOSCRIPT", inBatch: false });
  });

  it("is false for other errors and non-errors", () => {
    expect(isNoScriptError(new Error("NOSCRIPT lookalike, but not from the client"))).toBe(false);
    expect(isNoScriptError(new TypeError("fetch failed"))).toBe(false);
    expect(isNoScriptError("NOSCRIPT")).toBe(false);
    expect(isNoScriptError(undefined)).toBe(false);
  });
});

describe("defineScript / scriptSha1", () => {
  it("hashes like Redis (SHA-1 of the UTF-8 text)", async () => {
    expect(await scriptSha1("return 1")).toBe("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    expect(await scriptSha1("")).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });

  it("rejects a malformed pinned hash at definition time", () => {
    expect(() => defineScript({ name: "bad", source: "return 1", sha1: "E0E1F9FA" })).toThrow(TypeError);
  });
});
