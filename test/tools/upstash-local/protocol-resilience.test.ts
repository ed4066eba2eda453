/**
 * Pool behaviour under failure (brief item 10, spec §7/§13.10), each test on its own
 * redis-server + upstash-local: Redis down -> fast 500 JSON; Redis restarted on the same port ->
 * recovery; client aborts mid-request leave no cross-talk; transactions hold their own connections.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { spawnRedisServer } from "../../../tools/upstash-local/redis-server";
import { post, startOwnStack, waitFor, type OwnStack } from "./protocol-support";

/** Keeps Redis busy for ~ms milliseconds (TIME is allowed in scripts since Redis 5 effect replication). */
const busyScript = (ms: number) =>
  `local t = redis.call('TIME') local s = t[1]*1000000+t[2] repeat local n = redis.call('TIME') until (n[1]*1000000+n[2]) - s > ${ms * 1000} return 1`;
const FAST_FAILURE_MS = 1_000;

let stacks: OwnStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

async function ownStack(poolSize?: number): Promise<OwnStack> {
  const stack = await startOwnStack(poolSize ? { poolSize } : {});
  stacks.push(stack);
  return stack;
}

function client(stack: OwnStack): Redis {
  return new Redis({ url: stack.url, token: stack.token, retry: { retries: 0 }, enableTelemetry: false });
}

describe("Redis unavailable", () => {
  it("fails every endpoint fast with a non-2xx JSON error, then recovers after a restart on the same port", async () => {
    const stack = await ownStack();
    const redis = client(stack);
    await redis.set("k", "before");
    const script = redis.createScript<number>("#!lua flags=allow-key-locking\nreturn 42");
    expect(await script.exec([], [])).toBe(42);
    await stack.redis.stop();

    const started = Date.now();
    const single = await post(stack, "/", ["GET", "k"]);
    const pipeline = await post(stack, "/pipeline", [["GET", "k"], ["SET", "k", 1]]);
    const tx = await post(stack, "/multi-exec", [["INCR", "n"]]);
    const sse = await post(stack, "/subscribe/ch", []);
    expect(Date.now() - started).toBeLessThan(FAST_FAILURE_MS);
    for (const res of [single, pipeline, tx, sse]) {
      expect(res.status).toBe(500);
      expect(res.json).toEqual({ error: expect.stringMatching(/^upstash-local: Redis unavailable: /) });
    }
    await expect(redis.get("k")).rejects.toThrow(/Redis unavailable/);
    expect(await (await fetch(stack.url + "/")).json()).toMatchObject({ ok: true, redis: "disconnected" });

    stack.redis = await spawnRedisServer({ port: stack.redis.port });
    const recovered = await waitFor(async () => (await post(stack, "/", ["PING"])).status === 200, 3_000, 50);
    expect(recovered).toBe(true);
    // Straight after the first PING answers, transactions on every transaction connection succeed too
    // (a connection still in its reconnect back-off is awaited, not failed).
    const txs = await Promise.all(Array.from({ length: 4 }, () => post(stack, "/multi-exec", [["INCR", "n"]])));
    expect(txs.map((t) => t.status)).toEqual([200, 200, 200, 200]);
    expect(txs.map((t) => (t.json as Array<{ result: number }>)[0]!.result).sort()).toEqual([1, 2, 3, 4]);
    expect(await redis.set("k", "after")).toBe("OK");
    expect(await redis.get("k")).toBe("after");
    // The restarted server lost its scripts: EVALSHA -> NOSCRIPT -> EVAL repopulates transparently.
    expect(await script.exec([], [])).toBe(42);
    expect((await post(stack, "/multi-exec", [["INCR", "n"], ["INCR", "n"]])).json).toEqual([{ result: 5 }, { result: 6 }]);
  });
});

describe("client aborts", () => {
  it("drops aborted requests' results without cross-talk on the shared pool", async () => {
    const stack = await ownStack(2);
    const slow = post(stack, "/", ["EVAL", busyScript(300), 0]);
    const controllers: AbortController[] = [];
    const requests = Array.from({ length: 60 }, (_, i) => {
      const controller = new AbortController();
      controllers.push(controller);
      return post(stack, "/pipeline", [["SET", `k${i}`, `v${i}`], ["GET", `k${i}`], ["INCR", `n${i}`]], { signal: controller.signal }).then(
        (res) => ({ i, res }),
        () => ({ i, res: undefined }),
      );
    });
    await new Promise((r) => setTimeout(r, 50));
    controllers.forEach((c, i) => i % 2 === 0 && c.abort());
    const outcomes = await Promise.all(requests);
    expect((await slow).json).toEqual({ result: 1 });
    for (const { i, res } of outcomes) {
      if (i % 2 === 0) expect(res).toBeUndefined();
      else expect(res!.json).toEqual([{ result: "OK" }, { result: `v${i}` }, { result: 1 }]);
    }

    const followUps = await Promise.all(
      Array.from({ length: 100 }, (_, i) => post(stack, "/pipeline", [["SET", `f${i}`, `w${i}`], ["GET", `f${i}`], ["ECHO", `e${i}`]])),
    );
    followUps.forEach((res, i) => expect(res.json).toEqual([{ result: "OK" }, { result: `w${i}` }, { result: `e${i}` }]));
    // Aborted writes still ran once (Redis had them); nothing ran twice.
    expect((await post(stack, "/", ["GET", "n0"])).json).toEqual({ result: "1" });
  });

  it("releases a transaction connection only after EXEC, even when the client aborted", async () => {
    const stack = await ownStack();
    const aborted = Array.from({ length: 6 }, (_, i) => {
      const controller = new AbortController();
      const req = post(stack, "/multi-exec", [["INCR", "tx"], ["EVAL", busyScript(50), 0], ["SET", `t${i}`, i]], { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      return req.catch(() => undefined);
    });
    await Promise.all(aborted);
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => post(stack, "/multi-exec", [["SET", `u${i}`, i], ["GET", `u${i}`]])));
    after.forEach((res, i) => expect(res.json).toEqual([{ result: "OK" }, { result: String(i) }]));
    // Every transaction that reached the server ran whole (INCR and its SET, never one without the other). On a
    // loaded machine an abort at 20 ms can beat the request to the server, so "all 6" is waited for, not required.
    await waitFor(async () => (await post(stack, "/", ["GET", "tx"])).text === '{"result":"6"}', 5_000);
    const tx = Number(((await post(stack, "/", ["GET", "tx"])).json as { result: string | null }).result ?? 0);
    const sets = await Promise.all(Array.from({ length: 6 }, async (_, i) => ((await post(stack, "/", ["EXISTS", `t${i}`])).json as { result: number }).result));
    expect(sets.reduce((a, b) => a + b, 0)).toBe(tx);
  });
});

describe("transactions", () => {
  it("queue for the bounded transaction pool and never interleave", async () => {
    const stack = await ownStack();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(stack, "/multi-exec", [["SET", `x${i}`, 0], ["INCR", `x${i}`], ["INCR", `x${i}`], ["GET", `x${i}`]])),
    );
    results.forEach((res) => expect(res.json).toEqual([{ result: "OK" }, { result: 1 }, { result: 2 }, { result: "2" }]));
    // Meanwhile-pipelined traffic is never QUEUED into someone's MULTI.
    const [tx, pipe] = await Promise.all([
      post(stack, "/multi-exec", [["EVAL", busyScript(100), 0], ["SET", "y", 1]]),
      post(stack, "/pipeline", [["GET", "y"]]),
    ]);
    expect(tx.json).toEqual([{ result: 1 }, { result: "OK" }]);
    expect(pipe.status).toBe(200);
  });
});

describe("graceful close", () => {
  it("finishes in-flight requests, ends SSE streams, then stops accepting", async () => {
    const stack = await ownStack();
    const sse = await fetch(`${stack.url}/subscribe/ch`, { method: "POST", headers: { authorization: `Bearer ${stack.token}` }, body: "[]" });
    const sseText = sse.text();
    const inFlight = post(stack, "/", ["EVAL", busyScript(200), 0]);
    await new Promise((r) => setTimeout(r, 30));
    const closed = stack.server.close();
    expect((await inFlight).json).toEqual({ result: 1 });
    expect(await sseText).toBe("data: subscribe,ch,1\n\n");
    await closed;
    await expect(post(stack, "/", ["PING"])).rejects.toThrow();
  });
});
