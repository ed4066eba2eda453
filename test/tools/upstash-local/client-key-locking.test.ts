/**
 * Upstash's rules for `#!lua flags=allow-key-locking` scripts (upstash/docs redis/features/key-locking.mdx):
 * "Every key passed to redis.call must appear in KEYS" — a key built in the script must equal a declared one,
 * else `ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. Key was: <key>` —
 * and FLUSHDB/FLUSHALL cannot be called. Stock Redis enforces neither, so upstash-local must, or a kit script
 * that builds a key in Lua passes every test here and fails on every call in production.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { uniquePrefix } from "../../setup/redis";
import { realRedis } from "./client-modes";
import { startOwnStack } from "./protocol-support";

const prefix = uniquePrefix("key-locking");
const redis = realRedis();
const locked = (body: string) => `#!lua flags=allow-key-locking\n-- ${randomBytes(8).toString("hex")}\n${body}`;
const DYNAMIC = /^Command failed: ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set\. Key was: /;

describe("allow-key-locking scripts", () => {
  it("reject a key that is not in KEYS, for single- and multi-key commands", async () => {
    const key = `${prefix}a`;
    await expect(redis.eval(locked("return redis.call('GET', KEYS[1] .. ':other')"), [key], [])).rejects.toThrow(DYNAMIC);
    await expect(redis.eval(locked("return redis.call('MSET', KEYS[1], 'v', ARGV[1], 'v')"), [key], [`${prefix}b`])).rejects.toThrow(
      new RegExp(`${DYNAMIC.source}${prefix}b`),
    );
    expect(await redis.exists(`${prefix}b`)).toBe(0);
  });

  it("accept a key computed in the script when it equals a declared one, and numbers as Redis reads them", async () => {
    const key = `${prefix}computed:1`;
    expect(await redis.eval(locked("return redis.call('INCR', ARGV[1] .. ':' .. 1)"), [key], [`${prefix}computed`])).toBe(1);
    expect(await redis.eval(locked("return redis.call('INCRBY', KEYS[1], 2)"), [key], [])).toBe(3);
  });

  it("check keys after STREAMS and of container commands (XINFO, XGROUP) too", async () => {
    const stream = `${prefix}stream`;
    const ok = locked(
      "redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '$', 'MKSTREAM') redis.call('XADD', KEYS[1], '*', 'f', 'v') " +
        "return #redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', KEYS[1], '>')",
    );
    expect(await redis.eval(ok, [stream], [])).toBe(1);
    await expect(redis.eval(locked("return redis.call('XINFO', 'GROUPS', ARGV[1])"), [], [stream])).rejects.toThrow(DYNAMIC);
    await expect(redis.eval(locked("return redis.call('XREAD', 'STREAMS', ARGV[1], '0')"), [], [stream])).rejects.toThrow(DYNAMIC);
  });

  it("redis.pcall returns the rejection as an error table instead of raising", async () => {
    const script = locked("local r = redis.pcall('GET', ARGV[1]) return r.err");
    expect(await redis.eval(script, [], [`${prefix}x`])).toMatch(/^ERR Dynamic keys are not allowed/);
  });

  it("refuse FLUSHDB and FLUSHALL, running nothing (on a private redis-server: without the rule it flushes)", async () => {
    const stack = await startOwnStack();
    try {
      const own = new Redis({ url: stack.url, token: stack.token, retry: { retries: 0 }, enableTelemetry: false });
      await own.set("survivor", "1");
      await expect(own.eval(locked("return redis.call('FLUSHDB')"), [], [])).rejects.toThrow(/FLUSHDB is not allowed/);
      await expect(own.eval(locked("return redis.call('flushall', 'ASYNC')"), [], [])).rejects.toThrow(/FLUSHALL is not allowed/);
      expect(await own.get("survivor")).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it("without the flag, dynamic keys still work (Redis semantics)", async () => {
    const script = `-- ${randomBytes(8).toString("hex")}\nreturn redis.call('INCR', ARGV[1])`;
    expect(await redis.eval(script, [], [`${prefix}plain`])).toBe(1);
  });

  it("keep the original line numbers for errors raised by the script's own code", async () => {
    // (An error raised BY redis.call now points at line 2, where the guard's wrapper is: Redis reports the
    // frame that called the C function, and the wrapper cannot be a C function.)
    await expect(redis.eval("#!lua flags=allow-key-locking\nlocal x = 1\nreturn y + x", [], [])).rejects.toThrow(
      /nonexistent global variable 'y'.*@user_script:3\./,
    );
  });
});
