/**
 * Hashes, lists, sets and sorted sets through the real @upstash/redis client and upstash-local.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("collections");

describe.each(clientModes)("collections, $mode", ({ mode, overrides }) => {
  const redis = realRedis(overrides);
  const key = (name: string) => `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:${name}`;

  describe("hashes", () => {
    it("HSET takes an object and returns the number of new fields", async () => {
      expect(await redis.hset(key("h"), { name: "Ada", age: 36, profile: { lang: "en" } })).toBe(3);
      expect(await redis.hset(key("h"), { age: 37, city: "London" })).toBe(1);
      expect(await redis.hget(key("h"), "age")).toBe(37);
      expect(await redis.hmget(key("h"), "name", "missing")).toEqual({ name: "Ada", missing: null });
    });

    it("HGETALL deserializes the flat reply into an object; numbers that are not safe integers stay strings", async () => {
      await redis.hset(key("hall"), { s: "text", n: 42, f: 1.5, obj: { a: [1, 2] }, big: "9007199254740993" });
      // HGETALL's own deserializer (1.39.0) JSON-parses a value unless it is numeric but not a safe integer,
      // so 1.5 comes back as "1.5" (HGET, with the generic deserializer, returns 1.5).
      expect(await redis.hgetall(key("hall"))).toEqual({
        s: "text",
        n: 42,
        f: "1.5",
        obj: { a: [1, 2] },
        big: "9007199254740993",
      });
      expect(await redis.hget(key("hall"), "f")).toBe(1.5);
    });

    it("HGETALL of a missing key is null", async () => {
      expect(await redis.hgetall(key("no-hash"))).toBeNull();
    });

    it("HINCRBY and HINCRBYFLOAT return the new value", async () => {
      expect(await redis.hincrby(key("hinc"), "n", 5)).toBe(5);
      expect(await redis.hincrby(key("hinc"), "n", -7)).toBe(-2);
      expect(await redis.hincrbyfloat(key("hinc"), "f", 2.5)).toBe(2.5);
    });

    it("HSCAN with MATCH walks every matching field", async () => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < 40; i++) fields[`${i % 2 === 0 ? "even" : "odd"}-${i}`] = `v${i}`;
      await redis.hset(key("hscan"), fields);
      const seen: Record<string, unknown> = {};
      let cursor: string | number = 0;
      do {
        const [next, flat]: [string, (string | number)[]] = await redis.hscan(key("hscan"), cursor, { match: "even-*", count: 7 });
        for (let i = 0; i < flat.length; i += 2) seen[String(flat[i])] = flat[i + 1];
        cursor = next;
      } while (String(cursor) !== "0");
      expect(Object.keys(seen).sort()).toEqual(Object.keys(fields).filter((f) => f.startsWith("even-")).sort());
      expect(seen["even-4"]).toBe("v4");
    });

    it("HDEL, HEXISTS, HLEN and HKEYS", async () => {
      await redis.hset(key("hmisc"), { a: 1, b: 2, c: 3 });
      expect(await redis.hdel(key("hmisc"), "a", "missing")).toBe(1);
      expect(await redis.hexists(key("hmisc"), "a")).toBe(0);
      expect(await redis.hlen(key("hmisc"))).toBe(2);
      expect((await redis.hkeys(key("hmisc"))).sort()).toEqual(["b", "c"]);
    });
  });

  describe("lists", () => {
    it("RPUSH / LPUSH return the length and LRANGE returns the elements in order", async () => {
      expect(await redis.rpush(key("l"), "b", "c")).toBe(2);
      expect(await redis.lpush(key("l"), "a")).toBe(3);
      expect(await redis.rpush(key("l"), { d: 4 })).toBe(4);
      expect(await redis.lrange(key("l"), 0, -1)).toEqual(["a", "b", "c", { d: 4 }]);
      expect(await redis.llen(key("l"))).toBe(4);
      expect(await redis.lindex(key("l"), 1)).toBe("b");
    });

    it("LPOP / RPOP with and without a count", async () => {
      await redis.rpush(key("lpop"), "1st", "2nd", "3rd", "4th", "5th");
      expect(await redis.lpop(key("lpop"))).toBe("1st");
      expect(await redis.rpop(key("lpop"))).toBe("5th");
      expect(await redis.lpop(key("lpop"), 2)).toEqual(["2nd", "3rd"]);
      expect(await redis.lpop(key("lpop"))).toBe("4th");
      expect(await redis.lpop(key("lpop"))).toBeNull();
    });

    it("LSET, LREM, LTRIM, LPOS and LMOVE", async () => {
      await redis.rpush(key("lmisc"), "x", "y", "x", "z", "x");
      expect(await redis.lpos(key("lmisc"), "z")).toBe(3);
      expect(await redis.lrem(key("lmisc"), 2, "x")).toBe(2);
      expect(await redis.lrange(key("lmisc"), 0, -1)).toEqual(["y", "z", "x"]);
      expect(await redis.lset(key("lmisc"), 0, "Y")).toBe("OK");
      expect(await redis.ltrim(key("lmisc"), 0, 1)).toBe("OK");
      expect(await redis.lmove(key("lmisc"), key("lmoved"), "left", "right")).toBe("Y");
      expect(await redis.lrange(key("lmoved"), 0, -1)).toEqual(["Y"]);
    });
  });

  describe("sets", () => {
    it("SADD counts new members, SMEMBERS returns all of them", async () => {
      expect(await redis.sadd(key("s"), "a", "b", "c")).toBe(3);
      expect(await redis.sadd(key("s"), "c", "d")).toBe(1);
      expect(((await redis.smembers(key("s"))) as string[]).sort()).toEqual(["a", "b", "c", "d"]);
      expect(await redis.scard(key("s"))).toBe(4);
      expect(await redis.sismember(key("s"), "a")).toBe(1);
      expect(await redis.sismember(key("s"), "zz")).toBe(0);
    });

    it("SMISMEMBER answers for each member in order", async () => {
      await redis.sadd(key("smis"), "a", "c");
      expect(await redis.smismember(key("smis"), ["a", "b", "c"])).toEqual([1, 0, 1]);
    });

    it("SSCAN with MATCH walks every matching member", async () => {
      const members = Array.from({ length: 60 }, (_, i) => `m-${i}`);
      await redis.sadd(key("sscan"), members[0]!, ...members.slice(1), "other-1", "other-2");
      const seen = new Set<string>();
      let cursor: string | number = 0;
      do {
        const [next, page]: [string, (string | number)[]] = await redis.sscan(key("sscan"), cursor, { match: "m-*", count: 10 });
        for (const m of page) seen.add(String(m));
        cursor = next;
      } while (String(cursor) !== "0");
      expect([...seen].sort()).toEqual([...members].sort());
    });

    it("SREM, SINTER, SUNION, SDIFF", async () => {
      await redis.sadd(key("s1"), "a", "b", "c");
      await redis.sadd(key("s2"), "b", "c", "d");
      expect(await redis.srem(key("s1"), "a", "missing")).toBe(1);
      expect(((await redis.sinter(key("s1"), key("s2"))) as string[]).sort()).toEqual(["b", "c"]);
      expect(((await redis.sunion(key("s1"), key("s2"))) as string[]).sort()).toEqual(["b", "c", "d"]);
      expect(await redis.sdiff(key("s2"), key("s1"))).toEqual(["d"]);
    });
  });

  describe("sorted sets", () => {
    it("ZADD returns the number of new members and ZRANGE WITHSCORES returns member/score pairs", async () => {
      expect(await redis.zadd(key("z"), { score: 2.5, member: "b" }, { score: 1, member: "a" }, { score: -3, member: "neg" })).toBe(3);
      expect(await redis.zadd(key("z"), { score: 10, member: "a" })).toBe(0);
      expect(await redis.zrange(key("z"), 0, -1)).toEqual(["neg", "b", "a"]);
      expect(await redis.zrange(key("z"), 0, -1, { withScores: true })).toEqual(["neg", -3, "b", 2.5, "a", 10]);
      expect(await redis.zscore(key("z"), "b")).toBe(2.5);
      expect(await redis.zrank(key("z"), "a")).toBe(2);
      expect(await redis.zcard(key("z"))).toBe(3);
    });

    it("ZRANGE BYSCORE and ZRANGEBYSCORE select by score", async () => {
      await redis.zadd(key("zs"), { score: 1, member: "one" }, { score: 2, member: "two" }, { score: 3, member: "three" });
      expect(await redis.zrange(key("zs"), 2, 3, { byScore: true })).toEqual(["two", "three"]);
      expect(await redis.zrange(key("zs"), "(1", "+inf", { byScore: true, withScores: true })).toEqual(["two", 2, "three", 3]);
      expect(await redis.exec(["ZRANGEBYSCORE", key("zs"), "-inf", "2", "WITHSCORES"])).toEqual(["one", 1, "two", 2]);
      expect(await redis.zcount(key("zs"), 2, "+inf")).toBe(2);
    });

    it("ZINCRBY returns float scores as Redis formats them (a number when JS prints it identically)", async () => {
      // Redis < 7.2 formats 0.1 as "0.10000000000000001" (%.17g); the client keeps such a string as is because
      // Number("0.10000000000000001").toString() !== "0.10000000000000001". Redis >= 7.2 sends "0.1" -> 0.1.
      expect(Number(await redis.zincrby(key("zinc"), 0.1, "m"))).toBe(0.1);
      expect(await redis.zincrby(key("zinc"), 0.2, "m")).toBe(0.30000000000000004);
      expect(await redis.zscore(key("zinc"), "m")).toBe(0.30000000000000004);
      expect(await redis.zincrby(key("zinc"), -1.5, "m")).toBeCloseTo(-1.2, 12);
      // "1e+20" parses to 1e20, which JS prints as "100000000000000000000": the client returns the string.
      expect(await redis.zincrby(key("zinc"), 1e20, "big")).toBe("1e+20");
    });

    it("ZREM, ZPOPMIN and ZREVRANGE", async () => {
      await redis.zadd(key("zmisc"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" });
      expect(await redis.zrem(key("zmisc"), "b", "missing")).toBe(1);
      expect(await redis.zrange(key("zmisc"), 0, -1, { rev: true })).toEqual(["c", "a"]);
      expect(await redis.zpopmin(key("zmisc"))).toEqual(["a", 1]);
    });
  });
});
