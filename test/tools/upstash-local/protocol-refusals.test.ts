/**
 * Commands a pooled proxy must refuse (spec §11, §9): connection state, pub/sub on `/`,
 * replication/shutdown, blocking commands (incl. XREAD/XREADGROUP with BLOCK) — as 400 on `/`,
 * inline errors in a pipeline, 400 for a transaction — and proof the pool was not poisoned.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";
import { post } from "./protocol-support";

const p = uniquePrefix("refuse");
const t = () => upstashTarget();
const NOT_SUPPORTED = /^ERR .+ is not supported by upstash-local \(.+\)$/;

const REFUSED: Array<[string, unknown[]]> = [
  ["connection state", ["SELECT", 1]],
  ["connection state", ["AUTH", "x"]],
  ["connection state", ["HELLO", 3]],
  ["connection state", ["RESET"]],
  ["connection state", ["QUIT"]],
  ["connection state", ["CLIENT", "REPLY", "OFF"]],
  ["connection state", ["CLIENT", "SETNAME", "x"]],
  ["connection state", ["CLIENT", "TRACKING", "ON"]],
  ["connection state", ["CLIENT", "KILL", "ID", 1]],
  ["connection state", ["CLIENT", "PAUSE", 1000]],
  ["transactions", ["MULTI"]],
  ["transactions", ["EXEC"]],
  ["transactions", ["DISCARD"]],
  ["transactions", ["WATCH", "k"]],
  ["transactions", ["UNWATCH"]],
  ["pub/sub", ["SUBSCRIBE", "ch"]],
  ["pub/sub", ["PSUBSCRIBE", "ch*"]],
  ["pub/sub", ["SSUBSCRIBE", "ch"]],
  ["pub/sub", ["UNSUBSCRIBE"]],
  ["pub/sub", ["PUNSUBSCRIBE"]],
  ["server", ["MONITOR"]],
  ["server", ["SYNC"]],
  ["server", ["PSYNC", "?", -1]],
  ["server", ["REPLICAOF", "127.0.0.1", 1]],
  ["server", ["SLAVEOF", "127.0.0.1", 1]],
  ["server", ["SHUTDOWN", "NOSAVE"]],
  ["blocking", ["DEBUG", "SLEEP", 1]],
  ["blocking", ["BLPOP", "k", 1]],
  ["blocking", ["BRPOP", "k", 1]],
  ["blocking", ["BRPOPLPUSH", "a", "b", 1]],
  ["blocking", ["BLMOVE", "a", "b", "LEFT", "RIGHT", 1]],
  ["blocking", ["BLMPOP", 1, 1, "k", "LEFT"]],
  ["blocking", ["BZPOPMIN", "z", 1]],
  ["blocking", ["BZPOPMAX", "z", 1]],
  ["blocking", ["BZMPOP", 1, 1, "z", "MIN"]],
  ["blocking", ["WAIT", 1, 1000]],
  ["blocking", ["WAITAOF", 1, 0, 1000]],
  ["blocking", ["XREAD", "COUNT", 1, "BLOCK", 1000, "STREAMS", "s", "$"]],
  ["blocking", ["xreadgroup", "GROUP", "g", "c", "block", 0, "STREAMS", "s", ">"]],
];

describe("refused commands", () => {
  it.each(REFUSED)("%s: %j -> 400 with a clear error", async (_category, command) => {
    const res = await post(t(), "/", command);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(NOT_SUPPORTED);
    expect((res.json as { error: string }).error).toContain(String(command[0]).toUpperCase());
  });

  it("points SUBSCRIBE users at the SSE endpoint", async () => {
    const res = await post(t(), "/", ["SUBSCRIBE", "ch"]);
    expect((res.json as { error: string }).error).toContain("/subscribe/<channel>");
  });

  it("allows read-only CLIENT subcommands and non-blocking XREAD/XREADGROUP", async () => {
    expect((await post(t(), "/", ["CLIENT", "ID"])).status).toBe(200);
    expect((await post(t(), "/", ["CLIENT", "LIST"])).status).toBe(200);
    await post(t(), "/", ["XADD", `${p}s`, "*", "f", "v"]);
    await post(t(), "/", ["XGROUP", "CREATE", `${p}s`, "block", "0"]);
    // A group literally named "block" must not be mistaken for the BLOCK option.
    const read = await post(t(), "/", ["XREADGROUP", "GROUP", "block", "c", "COUNT", 10, "STREAMS", `${p}s`, ">"]);
    expect(read.status).toBe(200);
    expect((await post(t(), "/", ["XREAD", "COUNT", 5, "STREAMS", `${p}s`, "0"])).status).toBe(200);
  });

  it("reports a refused command inline in a pipeline, running the rest", async () => {
    const res = await post(t(), "/pipeline", [["SET", `${p}a`, 1], ["SELECT", 2], ["BLPOP", `${p}l`, 0], ["INCR", `${p}a`]]);
    expect(res.status).toBe(200);
    const entries = res.json as Array<{ result?: unknown; error?: string }>;
    expect(entries[0]).toEqual({ result: "OK" });
    expect(entries[1]!.error).toMatch(NOT_SUPPORTED);
    expect(entries[2]!.error).toMatch(NOT_SUPPORTED);
    expect(entries[3]).toEqual({ result: 2 });
  });

  it("refuses a whole transaction that contains a refused command with 400, running nothing", async () => {
    const res = await post(t(), "/multi-exec", [["SET", `${p}tx`, 1], ["XREADGROUP", "GROUP", "g", "c", "BLOCK", 10, "STREAMS", "s", ">"]]);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(NOT_SUPPORTED);
    expect((await post(t(), "/", ["EXISTS", `${p}tx`])).json).toEqual({ result: 0 });
  });

  it("surfaces the refusal through the real client and stays usable (db 0 still selected)", async () => {
    const redis = testRedis();
    await expect(redis.xreadgroup("g", "c", `${p}s`, ">", { blockMS: 100 })).rejects.toThrow(/XREADGROUP with BLOCK is not supported/);
    await redis.set(`${p}after`, "v");
    expect((await post(t(), "/", ["GET", `${p}after`])).json).toEqual({ result: "v" });
  });
});
