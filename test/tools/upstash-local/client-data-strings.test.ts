/**
 * Strings and JSON values through the real @upstash/redis client and upstash-local.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("strings");

describe.each(clientModes)("strings, $mode", ({ mode, overrides }) => {
  const redis = realRedis(overrides);
  const key = (name: string) => `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:${name}`;

  it("SET returns OK and GET returns the value", async () => {
    expect(await redis.set(key("plain"), "hello")).toBe("OK");
    expect(await redis.get(key("plain"))).toBe("hello");
    expect(await redis.get(key("missing"))).toBeNull();
  });

  it("SET NX only writes a missing key", async () => {
    expect(await redis.set(key("nx"), "first", { nx: true })).toBe("OK");
    expect(await redis.set(key("nx"), "second", { nx: true })).toBeNull();
    expect(await redis.get(key("nx"))).toBe("first");
  });

  it("SET XX only writes an existing key", async () => {
    expect(await redis.set(key("xx"), "first", { xx: true })).toBeNull();
    expect(await redis.get(key("xx"))).toBeNull();
    await redis.set(key("xx"), "first");
    expect(await redis.set(key("xx"), "second", { xx: true })).toBe("OK");
    expect(await redis.get(key("xx"))).toBe("second");
  });

  it("SET PX sets a millisecond expiry", async () => {
    expect(await redis.set(key("px"), "v", { px: 60_000 })).toBe("OK");
    const pttl = await redis.pttl(key("px"));
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it("SET GET returns the previous value (null when there was none)", async () => {
    expect(await redis.set(key("get"), "old", { get: true })).toBeNull();
    expect(await redis.set(key("get"), "new", { get: true })).toBe("old");
    expect(await redis.get(key("get"))).toBe("new");
  });

  it("INCR / INCRBY / DECRBY return integers", async () => {
    expect(await redis.incr(key("counter"))).toBe(1);
    expect(await redis.incrby(key("counter"), 41)).toBe(42);
    expect(await redis.incrby(key("counter"), -50)).toBe(-8);
    expect(await redis.decrby(key("counter"), 2)).toBe(-10);
    expect(await redis.get(key("counter"))).toBe(-10);
  });

  it("INCRBYFLOAT returns the new value as a number (Redis sends a bulk string)", async () => {
    await redis.set(key("float"), "10.5");
    expect(await redis.incrbyfloat(key("float"), 0.1)).toBe(10.6);
    expect(await redis.incrbyfloat(key("float"), -0.6)).toBe(10);
    expect(await redis.incrbyfloat(key("float"), 1.5e-3)).toBe(10.0015);
  });

  it("INCRBY on a non-integer fails with the Redis error text", async () => {
    await redis.set(key("not-int"), "abc");
    await expect(redis.incrby(key("not-int"), 1)).rejects.toThrow("ERR value is not an integer or out of range");
  });

  it("APPEND returns the new length and GETRANGE slices by byte offsets", async () => {
    expect(await redis.append(key("append"), "Hello")).toBe(5);
    expect(await redis.append(key("append"), " World")).toBe(11);
    expect(await redis.get(key("append"))).toBe("Hello World");
    expect(await redis.getrange(key("append"), 0, 4)).toBe("Hello");
    expect(await redis.getrange(key("append"), -5, -1)).toBe("World");
    expect(await redis.strlen(key("append"))).toBe(11);
  });

  it("MSET writes several keys and MGET reads them back in order, null for missing ones", async () => {
    expect(await redis.mset({ [key("m1")]: "one", [key("m2")]: 2, [key("m3")]: { three: 3 } })).toBe("OK");
    expect(await redis.mget(key("m1"), key("m2"), key("missing"), key("m3"))).toEqual(["one", 2, null, { three: 3 }]);
    expect(await redis.mget([key("m3"), key("m1")])).toEqual([{ three: 3 }, "one"]);
  });

  it("serializes objects and arrays to JSON text and deserializes them back", async () => {
    const value = { name: "Ada", tags: ["a", "b"], nested: { n: 1, ok: true, none: null }, pi: 3.14 };
    await redis.set(key("json"), value);
    expect(await redis.get(key("json"))).toEqual(value);
    await redis.set(key("array"), [1, "two", { three: 3 }]);
    expect(await redis.get(key("array"))).toEqual([1, "two", { three: 3 }]);
  });

  it("stores objects as their JSON text (visible with automaticDeserialization: false)", async () => {
    await redis.set(key("json-raw"), { a: 1, b: [true, null] });
    const raw = realRedis({ ...overrides, automaticDeserialization: false });
    expect(await raw.get(key("json-raw"))).toBe('{"a":1,"b":[true,null]}');
  });

  it("GETDEL and GETSET return the old value", async () => {
    await redis.set(key("getdel"), "v1");
    expect(await redis.getset(key("getdel"), "v2")).toBe("v1");
    expect(await redis.getdel(key("getdel"))).toBe("v2");
    expect(await redis.exists(key("getdel"))).toBe(0);
  });

  it("SETRANGE overwrites part of a value and returns the new length", async () => {
    await redis.set(key("setrange"), "Hello World");
    expect(await redis.setrange(key("setrange"), 6, "Redis")).toBe(11);
    expect(await redis.get(key("setrange"))).toBe("Hello Redis");
  });
});
