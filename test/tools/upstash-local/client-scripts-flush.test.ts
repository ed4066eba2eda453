/**
 * SCRIPT FLUSH through the real @upstash/redis client. It empties the script cache of the whole redis-server,
 * so this file runs against its own redis-server + upstash-local, never the shared ones.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startPrivateUpstashLocal, type PrivateUpstashLocal } from "./private-upstash-local";

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");

let server: PrivateUpstashLocal;
let redis: Redis;

beforeAll(async () => {
  server = await startPrivateUpstashLocal({ ownRedis: true });
  redis = server.client();
});

afterAll(async () => {
  await server?.close();
});

describe("SCRIPT FLUSH (private redis-server)", () => {
  it("forgets loaded scripts: EXISTS turns to 0 and EVALSHA fails with NOSCRIPT", async () => {
    const text = "return 'plain'";
    expect(await redis.scriptLoad(text)).toBe(sha1(text));
    expect(await redis.scriptExists(sha1(text))).toEqual([1]);
    expect(await redis.scriptFlush()).toBe("OK");
    expect(await redis.scriptExists(sha1(text))).toEqual([0]);
    await expect(redis.evalsha(sha1(text), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it("forgets allow-key-locking scripts too (the original-SHA1 mapping is cleared with the cache)", async () => {
    const text = "#!lua flags=allow-key-locking\nreturn 'locked'";
    expect(await redis.scriptLoad(text)).toBe(sha1(text));
    expect(await redis.evalsha(sha1(text), [], [])).toBe("locked");
    expect(await redis.scriptFlush()).toBe("OK");
    expect(await redis.scriptExists(sha1(text))).toEqual([0]);
    await expect(redis.evalsha(sha1(text), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it("Script.exec recovers after a flush by falling back to EVAL", async () => {
    const text = "#!lua flags=allow-key-locking\nreturn ARGV[1]";
    const script = redis.createScript<string>(text);
    expect(await script.exec([], ["before"])).toBe("before");
    expect(await redis.scriptExists(sha1(text))).toEqual([1]);
    await redis.scriptFlush();
    expect(await script.exec([], ["after"])).toBe("after");
    expect(await redis.scriptExists(sha1(text))).toEqual([1]);
  });

  it("SCRIPT FLUSH ASYNC is accepted as well", async () => {
    await redis.scriptLoad("return 1");
    expect(await redis.scriptFlush({ async: true })).toBe("OK");
    expect(await redis.scriptExists(sha1("return 1"))).toEqual([0]);
  });
});
