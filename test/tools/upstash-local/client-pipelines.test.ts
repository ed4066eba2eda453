/**
 * Explicit pipelines (POST /pipeline), transactions (POST /multi-exec) and auto-pipelined batches through the
 * real @upstash/redis client and upstash-local, including entries that fail in the middle of a batch.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";

const prefix = uniquePrefix("pipelines");
const key = (name: string) => `${prefix}${name}`;
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT = "ERR value is not an integer or out of range";

describe("redis.pipeline()", () => {
  const redis = testRedis();

  it("returns every result in order", async () => {
    const results = await redis
      .pipeline()
      .set(key("p:a"), "1")
      .incr(key("p:a"))
      .get(key("p:a"))
      .hset(key("p:h"), { f: { x: 1 } })
      .hgetall(key("p:h"))
      .get(key("p:missing"))
      .exec();
    expect(results).toEqual(["OK", 2, 2, 1, { f: { x: 1 } }, null]);
  });

  it("a failing entry in the middle makes exec() throw 'Command 2 [ lpush ] failed: WRONGTYPE ...'", async () => {
    const p = redis.pipeline().set(key("p:str"), "v").lpush(key("p:str"), "x").set(key("p:after"), "ran");
    await expect(p.exec()).rejects.toThrow(`Command 2 [ lpush ] failed: ${WRONGTYPE}`);
    // pipelines are not atomic: the entries around the failing one still ran
    expect(await redis.get(key("p:after"))).toBe("ran");
  });

  it("exec({ keepErrors: true }) returns a { result, error } per entry", async () => {
    const results = await redis
      .pipeline()
      .set(key("p:k"), "text")
      .incr(key("p:k"))
      .get(key("p:k"))
      .hget(key("p:k"), "f")
      .exec({ keepErrors: true });
    expect(results).toHaveLength(4);
    expect(results[0]).toMatchObject({ result: "OK" });
    expect(results[0]!.error).toBeUndefined();
    expect(results[1]).toMatchObject({ error: NOT_INT });
    expect(results[2]).toMatchObject({ result: "text" });
    expect(results[2]!.error).toBeUndefined();
    expect(results[3]).toMatchObject({ error: WRONGTYPE });
  });

  it("a batch in which every entry fails still comes back as an array of errors", async () => {
    await redis.set(key("p:allfail"), "v");
    const results = await redis.pipeline().lpush(key("p:allfail"), "x").sadd(key("p:allfail"), "y").exec({ keepErrors: true });
    expect(results.map((r) => r.error)).toEqual([WRONGTYPE, WRONGTYPE]);
  });

  it("runs 1000 commands in one pipeline, in order", async () => {
    const p = redis.pipeline();
    for (let i = 0; i < 500; i++) p.set(key(`p:bulk:${i}`), `v${i}`);
    for (let i = 0; i < 500; i++) p.get(key(`p:bulk:${i}`));
    const results = await p.exec();
    expect(results.slice(0, 500).every((r) => r === "OK")).toBe(true);
    expect(results.slice(500)).toEqual(Array.from({ length: 500 }, (_, i) => `v${i}`));
  });

  it("an empty pipeline is refused client-side", async () => {
    await expect(redis.pipeline().exec()).rejects.toThrow("Pipeline is empty");
  });
});

describe("auto-pipelining", () => {
  const redis = testRedis();

  it("coalesces calls made in the same tick; a failing call rejects alone with 'Command failed: ...'", async () => {
    await redis.set(key("a:str"), "v");
    const settled = await Promise.allSettled([
      redis.get(key("a:str")),
      redis.hget(key("a:str"), "f"),
      redis.set(key("a:other"), "w"),
      redis.lpush(key("a:str"), "x"),
      redis.exists(key("a:str")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    expect(settled[0]).toMatchObject({ value: "v" });
    expect(settled[1]).toMatchObject({ reason: expect.objectContaining({ message: `Command failed: ${WRONGTYPE}` }) });
    expect(settled[3]).toMatchObject({ reason: expect.objectContaining({ message: `Command failed: ${WRONGTYPE}` }) });
    expect(settled[4]).toMatchObject({ value: 1 });
    expect(await redis.get(key("a:other"))).toBe("w");
  });

  it("keeps each caller's result with its caller across 300 concurrent calls", async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => redis.set(key(`a:many:${i}`), `value-${i}`)));
    const values = await Promise.all(Array.from({ length: 300 }, (_, i) => redis.get(key(`a:many:${i}`))));
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => `value-${i}`));
  });
});

describe("redis.multi()", () => {
  const redis = testRedis();

  it("runs the transaction and returns every result", async () => {
    const results = await redis.multi().set(key("m:n"), 1).incr(key("m:n")).get(key("m:n")).exec();
    expect(results).toEqual(["OK", 2, 2]);
  });

  it("an EXEC-time error fails that entry only; the others are applied (Redis has no rollback)", async () => {
    const tx = () => redis.multi().set(key("m:x"), "valuex").incr(key("m:x")).set(key("m:y"), "after");
    await expect(tx().exec()).rejects.toThrow(`Command 2 [ incr ] failed: ${NOT_INT}`);
    const kept = await tx().exec({ keepErrors: true });
    expect(kept.map((r) => r.error)).toEqual([undefined, NOT_INT, undefined]);
    expect(kept[0]!.result).toBe("OK");
    expect(kept[2]!.result).toBe("OK");
    expect(await redis.get(key("m:x"))).toBe("valuex");
    expect(await redis.get(key("m:y"))).toBe("after");
  });

  it("a queue-time error (wrong arity) discards the whole transaction and rejects", async () => {
    const tx = redis.multi().set(key("m:discarded"), "never");
    // GET without a key (the client sends ["get"]): Redis refuses it while queueing, so EXEC aborts everything
    (tx.get as unknown as () => unknown)();
    await expect(tx.exec()).rejects.toThrow(/wrong number of arguments for 'get' command|EXECABORT/);
    expect(await redis.get(key("m:discarded"))).toBeNull();
  });

  it("is isolated: 50 concurrent read-modify-write transactions never interleave", async () => {
    await redis.set(key("m:iso"), 0);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => redis.multi().incr(key("m:iso")).get(key("m:iso")).exec()),
    );
    for (const [incremented, read] of results) expect(read).toBe(incremented);
    expect(results.map(([n]) => n).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("transactions and pipelines can carry scripts", async () => {
    const results = await redis
      .multi()
      .eval("return redis.call('SET', KEYS[1], ARGV[1])", [key("m:script")], ["s"])
      .get(key("m:script"))
      .exec();
    expect(results).toEqual(["OK", "s"]);
  });
});
