/**
 * Read-your-writes through the real @upstash/redis client: upstash-local must answer every request with a fresh
 * `upstash-sync-token`, and accept any inbound value (the client sends "" first, and a caller may hand over a
 * token from another client). Mirrors redis-js's own read-your-writes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("ryw");

describe.each(clientModes)("read-your-writes, $mode", ({ mode, overrides }) => {
  const key = (name: string) => `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:${name}`;

  it("the sync token starts empty and becomes a non-empty string after the first request", async () => {
    const redis = realRedis(overrides);
    expect(redis.readYourWritesSyncToken).toBe("");
    await redis.set(key("first"), "v");
    expect(typeof redis.readYourWritesSyncToken).toBe("string");
    expect(redis.readYourWritesSyncToken).not.toBe("");
  });

  it("the sync token changes after every write, pipeline, transaction and script", async () => {
    const redis = realRedis(overrides);
    const seen: string[] = [];
    const record = () => seen.push(String(redis.readYourWritesSyncToken));

    await redis.set(key("w1"), "a");
    record();
    await redis.set(key("w2"), "b");
    record();
    await redis.pipeline().set(key("p1"), "c").get(key("p1")).exec();
    record();
    await redis.multi().incr(key("m1")).incr(key("m1")).exec();
    record();
    await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", [key("s1")], ["d"]);
    record();
    await redis.createScript("return redis.call('INCR', KEYS[1])").exec([key("s2")], []);
    record();

    expect(seen.every((t) => t.length > 0)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
  });

  it("a set still works after the token is overwritten with 'my-new-sync-token', and the token is replaced", async () => {
    const redis = realRedis(overrides);
    await redis.set(key("before"), "x");
    redis.readYourWritesSyncToken = "my-new-sync-token";
    expect(await redis.set(key("after"), "y")).toBe("OK");
    expect(await redis.get(key("after"))).toBe("y");
    expect(redis.readYourWritesSyncToken).not.toBe("my-new-sync-token");
    expect(redis.readYourWritesSyncToken).not.toBe("");
  });

  it("a token handed over from another client is accepted, and that client reads the write", async () => {
    const writer = realRedis(overrides);
    const reader = realRedis(overrides);
    await writer.set(key("handover"), "written");
    reader.readYourWritesSyncToken = writer.readYourWritesSyncToken;
    expect(await reader.get(key("handover"))).toBe("written");
  });

  it("with readYourWrites: false the client keeps no token", async () => {
    const redis = realRedis({ ...overrides, readYourWrites: false });
    await redis.set(key("off"), "v");
    expect(redis.readYourWritesSyncToken).toBe("");
  });
});
