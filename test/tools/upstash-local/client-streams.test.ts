/**
 * Redis Streams and consumer groups through the real @upstash/redis client and upstash-local
 * (nested RESP2 replies: every string base64-encoded at every depth, integers as numbers, nil as null).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";

const prefix = uniquePrefix("streams");
const redis = testRedis();
const key = (name: string) => `${prefix}${name}`;

/** XINFO-style flat [name, value, name, value, ...] -> object. */
function fields(flat: unknown): Record<string, unknown> {
  const list = flat as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

type Entry = [id: string, fields: unknown[]];

describe("streams: append and read", () => {
  it("XADD returns the new id and XLEN counts entries", async () => {
    const id1 = await redis.xadd(key("basic"), "*", { job: "a", n: 1 });
    const id2 = await redis.xadd(key("basic"), "*", { job: { x: 1 } });
    expect(id1).toMatch(/^\d+-\d+$/);
    expect(id2).toMatch(/^\d+-\d+$/);
    expect(id2).not.toBe(id1);
    expect(await redis.xlen(key("basic"))).toBe(2);
  });

  it("XADD with an explicit id echoes it", async () => {
    expect(await redis.xadd(key("explicit"), "1-1", { f: "v" })).toBe("1-1");
    await expect(redis.xadd(key("explicit"), "1-1", { f: "v" })).rejects.toThrow(
      "ERR The ID specified in XADD is equal or smaller than the target stream top item",
    );
  });

  it("XADD MAXLEN = n trims exactly; MAXLEN ~ n trims whole nodes only, never below n", async () => {
    for (let i = 0; i < 30; i++) {
      await redis.xadd(key("exact"), "*", { i }, { trim: { type: "MAXLEN", comparison: "=", threshold: 10 } });
    }
    expect(await redis.xlen(key("exact"))).toBe(10);

    const p = redis.pipeline();
    for (let i = 0; i < 250; i++) p.xadd(key("approx"), "*", { i }, { trim: { type: "MAXLEN", comparison: "~", threshold: 10 } });
    await p.exec();
    const len = await redis.xlen(key("approx"));
    expect(len).toBeGreaterThanOrEqual(10);
    expect(len).toBeLessThan(250);
  });

  it("XRANGE returns entries by id with values deserialized; COUNT limits them", async () => {
    const a = await redis.xadd(key("range"), "*", { name: "first", n: 1 });
    const b = await redis.xadd(key("range"), "*", { name: "second", obj: { deep: [1, 2] } });
    const c = await redis.xadd(key("range"), "*", { name: "third" });
    expect(await redis.xrange(key("range"), "-", "+")).toEqual({
      [a]: { name: "first", n: 1 },
      [b]: { name: "second", obj: { deep: [1, 2] } },
      [c]: { name: "third" },
    });
    expect(Object.keys(await redis.xrange(key("range"), "-", "+", 2))).toEqual([a, b]);
    expect(Object.keys(await redis.xrange(key("range"), b, "+"))).toEqual([b, c]);
  });

  it("XREVRANGE returns the newest entries first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await redis.xadd(key("rev"), "*", { i }));
    const newestTwo = await redis.xrevrange(key("rev"), "+", "-", 2);
    expect(Object.keys(newestTwo)).toEqual([ids[3], ids[2]]);
    expect(newestTwo[ids[3]!]).toEqual({ i: 3 });
  });

  it("XDEL removes entries and XTRIM trims to a length", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await redis.xadd(key("trim"), "*", { i }));
    expect(await redis.xdel(key("trim"), [ids[0]!, ids[1]!, "9999999999999-0"])).toBe(2);
    expect(await redis.xlen(key("trim"))).toBe(4);
    expect(await redis.xtrim(key("trim"), { strategy: "MAXLEN", exactness: "=", threshold: 1 })).toBe(3);
    expect(Object.keys(await redis.xrange(key("trim"), "-", "+"))).toEqual([ids[5]]);
  });

  it("XINFO STREAM (generic command) returns the flat field/value reply", async () => {
    const first = await redis.xadd(key("info-stream"), "*", { f: "one" });
    const last = await redis.xadd(key("info-stream"), "*", { f: "two" });
    const info = fields(await redis.exec(["XINFO", "STREAM", key("info-stream")]));
    expect(info.length).toBe(2);
    expect(info["last-generated-id"]).toBe(last);
    expect(info["first-entry"]).toEqual([first, ["f", "one"]]);
    expect(info["last-entry"]).toEqual([last, ["f", "two"]]);
  });
});

describe("streams: consumer groups", () => {
  const stream = key("jobs");
  const ids: string[] = [];

  beforeAll(async () => {
    expect(await redis.xgroup(stream, { type: "CREATE", group: "g1", id: "$", options: { MKSTREAM: true } })).toBe("OK");
    for (let i = 0; i < 4; i++) ids.push(await redis.xadd(stream, "*", { job: `job-${i}`, attempt: i }));
  });

  it("XGROUP CREATE with MKSTREAM creates an empty stream", async () => {
    const empty = key("mkstream");
    expect(await redis.exists(empty)).toBe(0);
    expect(await redis.xgroup(empty, { type: "CREATE", group: "g", id: "$", options: { MKSTREAM: true } })).toBe("OK");
    expect(await redis.xlen(empty)).toBe(0);
    expect(await redis.type(empty)).toBe("stream");
    await expect(redis.xgroup(empty, { type: "CREATE", group: "g", id: "$" })).rejects.toThrow(
      "BUSYGROUP Consumer Group name already exists",
    );
  });

  it("XREADGROUP '>' delivers new entries as [[stream, [[id, [field, value, ...]], ...]]]", async () => {
    const reply = (await redis.xreadgroup("g1", "c1", stream, ">", { count: 2 })) as [string, Entry[]][];
    expect(reply).toEqual([
      [
        stream,
        [
          [ids[0], ["job", "job-0", "attempt", 0]],
          [ids[1], ["job", "job-1", "attempt", 1]],
        ],
      ],
    ]);
    const rest = (await redis.xreadgroup("g1", "c2", stream, ">", { count: 10 })) as [string, Entry[]][];
    expect(rest[0]![1].map(([id]) => id)).toEqual([ids[2], ids[3]]);
    expect(await redis.xreadgroup("g1", "c1", stream, ">")).toBeNull();
  });

  it("XREADGROUP '0' re-reads the consumer's pending entries", async () => {
    const pending = (await redis.xreadgroup("g1", "c1", stream, "0")) as [string, Entry[]][];
    expect(pending[0]![0]).toBe(stream);
    expect(pending[0]![1].map(([id]) => id)).toEqual([ids[0], ids[1]]);
  });

  it("XPENDING summary form: [count, smallest id, greatest id, [[consumer, count]]]", async () => {
    const summary = (await redis.exec(["XPENDING", stream, "g1"])) as unknown[];
    expect(summary[0]).toBe(4);
    expect(summary[1]).toBe(ids[0]);
    expect(summary[2]).toBe(ids[3]);
    expect(summary[3]).toEqual([
      ["c1", 2],
      ["c2", 2],
    ]);
  });

  it("XPENDING extended form: [id, consumer, idle ms, deliveries] per entry, filterable by consumer", async () => {
    // c1's entries were delivered twice: once by '>' and once more by the history read ('0') above.
    const all = (await redis.xpending(stream, "g1", "-", "+", 10)) as [string, string, number, number][];
    expect(all.map(([id, consumer]) => [id, consumer])).toEqual([
      [ids[0], "c1"],
      [ids[1], "c1"],
      [ids[2], "c2"],
      [ids[3], "c2"],
    ]);
    for (const [, , idle] of all) {
      expect(typeof idle).toBe("number");
      expect(idle).toBeGreaterThanOrEqual(0);
    }
    expect(all.map((e) => e[3])).toEqual([2, 2, 1, 1]);
    const c2 = (await redis.xpending(stream, "g1", "-", "+", 10, { consumer: "c2" })) as unknown[][];
    expect(c2.map((e) => e[0])).toEqual([ids[2], ids[3]]);
  });

  it("XACK acknowledges entries once", async () => {
    expect(await redis.xack(stream, "g1", ids[0]!)).toBe(1);
    expect(await redis.xack(stream, "g1", [ids[0]!, "0-1"])).toBe(0);
    const summary = (await redis.exec(["XPENDING", stream, "g1"])) as unknown[];
    expect(summary[0]).toBe(3);
  });

  it("XCLAIM moves a pending entry to another consumer and returns it", async () => {
    const claimed = (await redis.xclaim(stream, "g1", "c3", 0, ids[1]!)) as Entry[];
    expect(claimed).toEqual([[ids[1], ["job", "job-1", "attempt", 1]]]);
    const mine = (await redis.xpending(stream, "g1", "-", "+", 10, { consumer: "c3" })) as unknown[][];
    expect(mine.map((e) => e[0])).toEqual([ids[1]]);
    expect(mine[0]![3]).toBe(3);
  });

  it("XAUTOCLAIM returns Redis 7's three elements: [next cursor, claimed entries, deleted ids]", async () => {
    const reply = (await redis.xautoclaim(stream, "g1", "c4", 0, "0-0", { count: 10 })) as unknown[];
    expect(reply).toHaveLength(3);
    expect(reply[0]).toBe("0-0");
    expect((reply[1] as Entry[]).map(([id]) => id)).toEqual([ids[1], ids[2], ids[3]]);
    expect((reply[1] as Entry[])[0]![1]).toEqual(["job", "job-1", "attempt", 1]);
    expect(reply[2]).toEqual([]);
  });

  it("XAUTOCLAIM JUSTID returns bare ids", async () => {
    const reply = (await redis.xautoclaim(stream, "g1", "c5", 0, "0-0", { count: 10, justId: true })) as unknown[];
    expect(reply[0]).toBe("0-0");
    expect(reply[1]).toEqual([ids[1], ids[2], ids[3]]);
  });

  it("XINFO GROUPS describes each group", async () => {
    const groups = ((await redis.xinfo(stream, { type: "GROUPS" })) as unknown[]).map(fields);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ name: "g1", pending: 3, "last-delivered-id": ids[3], "entries-read": 4, lag: 0 });
    expect(typeof groups[0]!.consumers).toBe("number");
  });

  it("XINFO CONSUMERS describes each consumer", async () => {
    const consumers = ((await redis.xinfo(stream, { type: "CONSUMERS", group: "g1" })) as unknown[]).map(fields);
    const byName = Object.fromEntries(consumers.map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(["c1", "c2", "c3", "c4", "c5"]);
    expect(byName.c5).toMatchObject({ name: "c5", pending: 3 });
    expect(byName.c1).toMatchObject({ pending: 0 });
    expect(typeof byName.c1!.idle).toBe("number");
  });

  it("XGROUP DELCONSUMER returns the number of pending entries the consumer had", async () => {
    expect(await redis.xgroup(stream, { type: "DELCONSUMER", group: "g1", consumer: "c5" })).toBe(3);
    expect(await redis.xgroup(stream, { type: "DELCONSUMER", group: "g1", consumer: "c1" })).toBe(0);
    const consumers = ((await redis.xinfo(stream, { type: "CONSUMERS", group: "g1" })) as unknown[]).map(fields);
    expect(consumers.map((c) => c.name).sort()).toEqual(["c2", "c3", "c4"]);
  });

  it("XGROUP CREATECONSUMER and DESTROY", async () => {
    expect(await redis.xgroup(stream, { type: "CREATECONSUMER", group: "g1", consumer: "fresh" })).toBe(1);
    expect(await redis.xgroup(stream, { type: "CREATE", group: "g2", id: "0" })).toBe("OK");
    expect(await redis.xgroup(stream, { type: "DESTROY", group: "g2" })).toBe(1);
  });

  it("XREADGROUP on a missing group fails with NOGROUP", async () => {
    await expect(redis.xreadgroup("nope", "c", stream, ">")).rejects.toThrow(/NOGROUP/);
  });
});
