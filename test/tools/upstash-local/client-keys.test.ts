/**
 * Key-space commands through the real @upstash/redis client and upstash-local.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("keys");

describe.each(clientModes)("key operations, $mode", ({ mode, overrides }) => {
  const redis = realRedis(overrides);
  const ns = `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:`;
  const key = (name: string) => `${ns}${name}`;

  it("EXPIRE sets a TTL, PTTL reads it in ms, PERSIST removes it", async () => {
    await redis.set(key("ttl"), "v");
    expect(await redis.pttl(key("ttl"))).toBe(-1);
    expect(await redis.expire(key("ttl"), 100)).toBe(1);
    const pttl = await redis.pttl(key("ttl"));
    expect(pttl).toBeGreaterThan(90_000);
    expect(pttl).toBeLessThanOrEqual(100_000);
    expect(await redis.ttl(key("ttl"))).toBeGreaterThan(90);
    expect(await redis.persist(key("ttl"))).toBe(1);
    expect(await redis.pttl(key("ttl"))).toBe(-1);
    expect(await redis.pttl(key("no-such-key"))).toBe(-2);
    expect(await redis.expire(key("no-such-key"), 10)).toBe(0);
  });

  it("PEXPIRE makes a key disappear", async () => {
    await redis.set(key("short"), "v");
    expect(await redis.pexpire(key("short"), 50)).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(await redis.get(key("short"))).toBeNull();
    expect(await redis.exists(key("short"))).toBe(0);
  });

  it("TYPE names every data type (status replies decoded, not garbled)", async () => {
    await redis.set(key("t-string"), "v");
    await redis.hset(key("t-hash"), { f: "v" });
    await redis.rpush(key("t-list"), "v");
    await redis.sadd(key("t-set"), "v");
    await redis.zadd(key("t-zset"), { score: 1, member: "v" });
    await redis.xadd(key("t-stream"), "*", { f: "v" });
    expect(await redis.type(key("t-string"))).toBe("string");
    expect(await redis.type(key("t-hash"))).toBe("hash");
    expect(await redis.type(key("t-list"))).toBe("list");
    expect(await redis.type(key("t-set"))).toBe("set");
    expect(await redis.type(key("t-zset"))).toBe("zset");
    expect(await redis.type(key("t-stream"))).toBe("stream");
    expect(await redis.type(key("t-none"))).toBe("none");
  });

  it("SCAN with MATCH and COUNT visits every matching key exactly once across cursors", async () => {
    const wanted = Array.from({ length: 45 }, (_, i) => key(`scan:hit:${i}`));
    await redis.mset(Object.fromEntries(wanted.map((k) => [k, 1])));
    await redis.mset({ [key("scan:miss:1")]: 1, [key("scan:miss:2")]: 1 });
    const seen: string[] = [];
    let cursor: string | number = 0;
    let rounds = 0;
    do {
      const [next, keys]: [string, string[]] = await redis.scan(cursor, { match: `${ns}scan:hit:*`, count: 10 });
      seen.push(...keys);
      cursor = next;
      rounds++;
    } while (String(cursor) !== "0");
    expect(rounds).toBeGreaterThan(1);
    expect([...new Set(seen)].sort()).toEqual([...wanted].sort());
  });

  it("SCAN with TYPE filters by data type", async () => {
    await redis.set(key("scantype:s"), "v");
    await redis.sadd(key("scantype:set"), "v");
    const found: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, keys]: [string, string[]] = await redis.scan(cursor, { match: `${ns}scantype:*`, count: 1000, type: "set" });
      found.push(...keys);
      cursor = next;
    } while (String(cursor) !== "0");
    expect(found).toEqual([key("scantype:set")]);
  });

  it("DEL and UNLINK return how many keys they removed; EXISTS counts existing keys", async () => {
    await redis.mset({ [key("d1")]: 1, [key("d2")]: 2, [key("d3")]: 3, [key("d4")]: 4 });
    expect(await redis.exists(key("d1"), key("d2"), key("missing"))).toBe(2);
    expect(await redis.del(key("d1"), key("d2"), key("missing"))).toBe(2);
    expect(await redis.unlink(key("d3"), key("missing"))).toBe(1);
    expect(await redis.exists(key("d1"), key("d2"), key("d3"), key("d4"))).toBe(1);
  });

  it("RENAME moves a value; renaming a missing key fails with the Redis error", async () => {
    await redis.set(key("from"), { moved: true });
    expect(await redis.rename(key("from"), key("to"))).toBe("OK");
    expect(await redis.get(key("to"))).toEqual({ moved: true });
    expect(await redis.exists(key("from"))).toBe(0);
    await expect(redis.rename(key("from"), key("elsewhere"))).rejects.toThrow("ERR no such key");
    await redis.set(key("taken"), "x");
    expect(await redis.renamenx(key("to"), key("taken"))).toBe(0);
  });

  it("a wrong-type access fails with WRONGTYPE", async () => {
    await redis.set(key("wrongtype"), "string");
    await expect(redis.hget(key("wrongtype"), "f")).rejects.toThrow(
      "WRONGTYPE Operation against a key holding the wrong kind of value",
    );
  });

  it("an unknown command fails with the Redis error text", async () => {
    await expect(redis.exec(["NOSUCHCOMMAND", key("x")])).rejects.toThrow(/ERR unknown command/i);
  });
});
