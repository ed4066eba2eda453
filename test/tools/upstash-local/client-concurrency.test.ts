/**
 * 200 concurrent clients against one upstash-local: 200 separate `Redis` instances (half auto-pipelined, half
 * one request per command) interleave explicit pipelines, `multi()` transactions and single commands, each on
 * its own keys with values derived from its index, while every transaction also increments shared counters.
 * No response may reach the wrong caller, no transaction may interleave with another, no increment may be lost.
 */
import { describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { realRedis } from "./client-modes";
import { testRedis, uniquePrefix } from "../../setup/redis";

const prefix = uniquePrefix("concurrency");
const CLIENTS = 200;
const ROUNDS = 4;

async function runClient(redis: Redis, i: number, sharedCount: string, sharedSum: string, txCounts: number[]) {
  const own = (name: string) => `${prefix}c${i}:${name}`;
  for (let round = 0; round < ROUNDS; round++) {
    const pipelined = await redis
      .pipeline()
      .set(own("str"), `str-${i}-${round}`)
      .hset(own("hash"), { [`f${round}`]: `h-${i}-${round}` })
      .rpush(own("list"), `l-${i}-${round}`)
      .sadd(own("set"), `s-${i}-${round}`)
      .get(own("str"))
      .exec();
    expect(pipelined).toEqual(["OK", 1, round + 1, 1, `str-${i}-${round}`]);

    const tx = await redis
      .multi()
      .incr(sharedCount)
      .incrby(sharedSum, i)
      .incrby(own("n"), i + 1)
      .get(own("str"))
      .llen(own("list"))
      .hget(own("hash"), `f${round}`)
      .exec();
    expect(tx).toHaveLength(6);
    const [count, sum, n, str, llen, field] = tx;
    expect(Number.isInteger(count)).toBe(true);
    expect(Number.isInteger(sum)).toBe(true);
    expect([n, str, llen, field]).toEqual([(i + 1) * (round + 1), `str-${i}-${round}`, round + 1, `h-${i}-${round}`]);
    txCounts.push(count as number);

    // single commands issued in the same tick (coalesced into one /pipeline request when auto-pipelined)
    const [got, isMember, len] = await Promise.all([
      redis.get(own("str")),
      redis.sismember(own("set"), `s-${i}-${round}`),
      redis.hlen(own("hash")),
    ]);
    expect([got, isMember, len]).toEqual([`str-${i}-${round}`, 1, round + 1]);
  }
}

describe("200 concurrent clients", () => {
  it("no cross-talk, exact shared counters, atomic transactions with the right result shape", { timeout: 120_000 }, async () => {
    const sharedCount = `${prefix}shared:count`;
    const sharedSum = `${prefix}shared:sum`;
    const clients = Array.from({ length: CLIENTS }, (_, i) =>
      realRedis(i % 2 === 0 ? {} : { enableAutoPipelining: false }),
    );
    const txCounts: number[] = [];

    await Promise.all(clients.map((redis, i) => runClient(redis, i, sharedCount, sharedSum, txCounts)));

    const checker = testRedis();
    const total = CLIENTS * ROUNDS;
    expect(await checker.get(sharedCount)).toBe(total);
    expect(await checker.get(sharedSum)).toBe(ROUNDS * ((CLIENTS * (CLIENTS - 1)) / 2));
    // every INCR inside a transaction saw a distinct value: 1..800, none lost, none repeated
    expect([...txCounts].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k + 1));

    // every client reads back exactly its own values
    const readBacks = await Promise.all(
      clients.map((redis, i) => {
        const own = (name: string) => `${prefix}c${i}:${name}`;
        return redis.pipeline().get(own("str")).hgetall(own("hash")).lrange(own("list"), 0, -1).smembers(own("set")).get(own("n")).exec();
      }),
    );
    readBacks.forEach(([str, hash, list, set, n], i) => {
      const rounds = Array.from({ length: ROUNDS }, (_, r) => r);
      expect(str).toBe(`str-${i}-${ROUNDS - 1}`);
      expect(hash).toEqual(Object.fromEntries(rounds.map((r) => [`f${r}`, `h-${i}-${r}`])));
      expect(list).toEqual(rounds.map((r) => `l-${i}-${r}`));
      expect((set as string[]).sort()).toEqual(rounds.map((r) => `s-${i}-${r}`).sort());
      expect(n).toBe((i + 1) * ROUNDS);
    });
  });
});
