/**
 * `#!lua flags=allow-key-locking` rewrite and the client-SHA map (spec §8), on a private
 * redis-server because SCRIPT FLUSH would empty the shared one's script cache; plus one real
 * @upstash/ratelimit limiter end to end (its scripts all carry the shebang).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { rewriteShebang } from "../../../tools/upstash-local/scripts";
import { b64, post, startOwnStack, type OwnStack } from "./protocol-support";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const SCRIPT = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";
let stack: OwnStack;

beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(() => stack.close());

describe("rewriteShebang", () => {
  it("drops allow-key-locking and an emptied flags= token, keeps everything else", () => {
    expect(rewriteShebang(SCRIPT)).toBe("#!lua\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(rewriteShebang("#!lua flags=no-writes,allow-key-locking\nreturn 1")).toBe("#!lua flags=no-writes\nreturn 1");
    expect(rewriteShebang("#!lua name=x flags=allow-key-locking,allow-stale")).toBe("#!lua name=x flags=allow-stale");
    expect(rewriteShebang("#!lua flags=no-writes\nreturn 1")).toBeUndefined();
    expect(rewriteShebang("return 1")).toBeUndefined();
  });
});

describe("scripts over REST", () => {
  it("EVAL of an allow-key-locking script works (stock Redis would reject the flag)", async () => {
    const res = await post(stack, "/", ["EVAL", SCRIPT, 1, "counter", 5]);
    expect(res).toMatchObject({ status: 200, json: { result: 5 } });
  });

  it("SCRIPT LOAD returns sha1 of the original text, and EVALSHA / SCRIPT EXISTS accept it", async () => {
    const clientSha = sha1(SCRIPT);
    const loaded = await post(stack, "/", ["SCRIPT", "LOAD", SCRIPT], { base64: true });
    expect(loaded.json).toEqual({ result: b64(clientSha) });
    expect((await post(stack, "/", ["EVALSHA", clientSha, 1, "counter", 2])).json).toEqual({ result: 7 });
    expect((await post(stack, "/", ["EVALSHA_RO", clientSha.toUpperCase(), 1, "counter", 0])).json).toMatchObject({ error: expect.stringContaining("write") });
    expect((await post(stack, "/", ["SCRIPT", "EXISTS", clientSha, "0".repeat(40)])).json).toEqual({ result: [1, 0] });
  });

  it("SCRIPT FLUSH clears the map: EVALSHA then answers NOSCRIPT, and EVAL repopulates", async () => {
    const clientSha = sha1(SCRIPT);
    await post(stack, "/", ["SCRIPT", "LOAD", SCRIPT]);
    expect((await post(stack, "/", ["SCRIPT", "FLUSH"])).json).toEqual({ result: "OK" });
    const missing = await post(stack, "/pipeline", [["EVALSHA", clientSha, 1, "counter", 1]]);
    expect(missing.json).toEqual([{ error: "NOSCRIPT No matching script. Please use EVAL." }]);
    await post(stack, "/", ["EVAL", SCRIPT, 1, "counter", 1]);
    expect((await post(stack, "/", ["SCRIPT", "EXISTS", clientSha])).json).toEqual({ result: [1] });
  });

  it("the real client's createScript (EVALSHA, NOSCRIPT, EVAL) works with a shebang script", async () => {
    const redis = new Redis({ url: stack.url, token: stack.token, retry: { retries: 0 }, enableTelemetry: false });
    await post(stack, "/", ["SCRIPT", "FLUSH"]);
    const script = redis.createScript<number>(SCRIPT);
    expect(await script.exec(["viaClient"], ["3"])).toBe(3);
    expect(await script.exec(["viaClient"], ["4"])).toBe(7);
  });

  it("@upstash/ratelimit 2.2.0 limits exactly (allow-key-locking scripts)", async () => {
    const redis = new Redis({ url: stack.url, token: stack.token, retry: { retries: 0 }, enableTelemetry: false });
    for (const limiter of [Ratelimit.slidingWindow(3, "10 s"), Ratelimit.fixedWindow(3, "10 s"), Ratelimit.tokenBucket(1, "10 s", 3)]) {
      const ratelimit = new Ratelimit({ redis, limiter, prefix: `rl-${Math.random()}`, ephemeralCache: false });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await ratelimit.limit("user1"));
      expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
      expect(results.every((r) => r.reason === undefined)).toBe(true);
    }
  });
});
