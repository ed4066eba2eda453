/**
 * Lua scripts through the real @upstash/redis client and upstash-local: EVAL reply shapes, EVALSHA with the
 * NOSCRIPT -> EVAL fallback, SCRIPT LOAD/EXISTS, and Upstash's `#!lua flags=allow-key-locking` shebang
 * (which stock Redis rejects: upstash-local strips the flag but keeps the client-side SHA1 of the original text).
 * SCRIPT FLUSH lives in client-scripts-flush.test.ts, on a private redis-server.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("scripts");
const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");
/** A script text no other test (or earlier run) has loaded. */
const fresh = (body: string) => `-- ${randomBytes(8).toString("hex")}\n${body}`;

describe.each(clientModes)("scripts, $mode", ({ mode, overrides }) => {
  const redis = realRedis(overrides);
  const key = (name: string) => `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:${name}`;

  describe("EVAL reply shapes", () => {
    it("returns nested tables with integers, strings, an OK status and a custom status", async () => {
      const result = await redis.eval("return {1, 'OK', {'a', {'b', 2}}, redis.status_reply('FINE')}", [], []);
      expect(result).toEqual([1, "OK", ["a", ["b", 2]], "FINE"]);
    });

    it("returns a top-level status reply decoded (OK and other statuses)", async () => {
      expect(await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", [key("status")], ["v"])).toBe("OK");
      expect(await redis.eval("return redis.status_reply('PONG')", [], [])).toBe("PONG");
    });

    it("returns integers, nil for false, and truncates Lua numbers to integers", async () => {
      expect(await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", [key("incr")], [41])).toBe(41);
      expect(await redis.eval("return false", [], [])).toBeNull();
      expect(await redis.eval("return 3.99", [], [])).toBe(3);
      expect(await redis.eval("return {1, false, 3}", [], [])).toEqual([1, null, 3]);
    });

    it("passes KEYS and ARGV through, numbers as their decimal text", async () => {
      const echo = "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}";
      expect(await redis.eval(echo, [key("k1"), key("k2")], ["text", 1.5, "x y"])).toEqual([
        key("k1"),
        key("k2"),
        "text",
        1.5,
        "x y",
      ]);
    });

    it("reads values written by other commands, JSON-deserializing string results", async () => {
      await redis.set(key("json"), { from: "set" });
      expect(await redis.eval("return redis.call('GET', KEYS[1])", [key("json")], [])).toEqual({ from: "set" });
    });

    it("a script error rejects with the Redis error text", async () => {
      await expect(redis.eval("return redis.error_reply('MYERR something broke')", [], [])).rejects.toThrow(
        "MYERR something broke",
      );
      await expect(redis.eval("return redis.call('NOPE')", [], [])).rejects.toThrow(/Unknown Redis command/i);
      await expect(redis.eval("this is not lua", [], [])).rejects.toThrow(/ERR Error compiling script/);
    });
  });

  describe("EVALSHA and SCRIPT LOAD / EXISTS", () => {
    it("a manual EVALSHA of an unknown script fails with NOSCRIPT", async () => {
      const unknown = sha1(fresh("return 1"));
      await expect(redis.evalsha(unknown, [], [])).rejects.toThrow(/NOSCRIPT/);
    });

    it("Script.exec falls back from EVALSHA (NOSCRIPT) to EVAL, after which EVALSHA hits", async () => {
      const text = fresh("return ARGV[1] .. ':' .. KEYS[1]");
      const script = redis.createScript<string>(text);
      expect(await redis.scriptExists(sha1(text))).toEqual([0]);
      expect(await script.exec([key("k")], ["hello"])).toBe(`hello:${key("k")}`);
      expect(await redis.scriptExists(sha1(text))).toEqual([1]);
      expect(await script.evalsha([key("k")], ["again"])).toBe(`again:${key("k")}`);
      expect(await script.exec([key("k")], ["third"])).toBe(`third:${key("k")}`);
    });

    it("SCRIPT LOAD returns the SHA1 of the text; SCRIPT EXISTS answers per hash", async () => {
      const text = fresh("return tonumber(ARGV[1]) * 2");
      expect(await redis.scriptLoad(text)).toBe(sha1(text));
      expect(await redis.scriptExists(sha1(text), sha1(fresh("return 0")))).toEqual([1, 0]);
      expect(await redis.evalsha(sha1(text), [], [21])).toBe(42);
    });
  });

  describe("the allow-key-locking shebang (every @upstash/ratelimit >= 2.1 script starts with it)", () => {
    it("EVAL runs a script that starts with '#!lua flags=allow-key-locking'", async () => {
      const text = `#!lua flags=allow-key-locking\n${fresh("return redis.call('INCRBY', KEYS[1], ARGV[1])")}`;
      expect(await redis.eval(text, [key("locking-eval")], [5])).toBe(5);
      expect(await redis.eval(text, [key("locking-eval")], [5])).toBe(10);
    });

    it("SCRIPT LOAD returns the SHA1 of the ORIGINAL text, and EVALSHA / SCRIPT EXISTS accept that SHA1", async () => {
      const text = `#!lua flags=allow-key-locking\n${fresh("return redis.call('INCR', KEYS[1])")}`;
      const clientSha = sha1(text);
      expect(await redis.scriptLoad(text)).toBe(clientSha);
      expect(await redis.scriptExists(clientSha)).toEqual([1]);
      expect(await redis.evalsha(clientSha, [key("locking-sha")], [])).toBe(1);
      expect(await redis.evalsha(clientSha, [key("locking-sha")], [])).toBe(2);
    });

    it("Script.exec (EVALSHA of the original SHA1, NOSCRIPT, then EVAL) works with the shebang", async () => {
      const text = `#!lua flags=allow-key-locking\n${fresh("return 'ran:' .. ARGV[1]")}`;
      const script = redis.createScript<string>(text);
      expect(await redis.scriptExists(sha1(text))).toEqual([0]);
      expect(await script.exec([], ["first"])).toBe("ran:first");
      expect(await redis.scriptExists(sha1(text))).toEqual([1]);
      expect(await script.evalsha([], ["second"])).toBe("ran:second");
    });

    it("keeps the other flags: allow-key-locking together with no-writes still forbids writes", async () => {
      const readOnly = `#!lua flags=allow-key-locking,no-writes\n${fresh("return redis.call('GET', KEYS[1])")}`;
      await redis.set(key("ro"), "readable");
      expect(await redis.eval(readOnly, [key("ro")], [])).toBe("readable");
      const writes = `#!lua flags=no-writes,allow-key-locking\n${fresh("return redis.call('SET', KEYS[1], 'x')")}`;
      await expect(redis.eval(writes, [key("ro")], [])).rejects.toThrow(/Write commands are not allowed from read-only scripts/);
      expect(await redis.get(key("ro"))).toBe("readable");
    });

    it("a failing shebang script reports the line number of the original text", async () => {
      // A Lua error: one raised BY redis.call points at the key-locking guard on line 2 (key-locking.ts).
      const text = `#!lua flags=allow-key-locking\nlocal x = 1\nreturn nope + x`;
      await expect(redis.eval(text, [], [])).rejects.toThrow(/nonexistent global variable 'nope'.*@user_script:3\./);
    });
  });
});
