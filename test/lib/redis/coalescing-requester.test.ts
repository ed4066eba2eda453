/**
 * Joining concurrent callers' pipelines (lib/redis/coalescing-requester.ts), with the real
 * @upstash/redis client against a private upstash-local whose counters say how many HTTP requests
 * arrived. msw only adds latency to (or fails) chosen requests, to hold the one slot busy.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "@/lib/redis";
import { createTestKit } from "../../setup/kit";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";

let redisServer: SpawnedRedis;
let local: UpstashLocal;
const token = `t-${randomBytes(8).toString("hex")}`;

/**
 * Per request, in arrival order, what msw does with it (default: pass it through untouched):
 * "hold" = until `callers()` has started every caller; "slow" = `slowMs` late; "fail" = a 503.
 */
let plan: Array<"hold" | "slow" | "fail" | "pass"> = [];
let slowMs = 300;
let held = deferred();
const msw = setupServer();

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

beforeAll(async () => {
  redisServer = await spawnRedisServer();
  local = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
  msw.use(
    http.post(`${local.url}/*`, async () => {
      const step = plan.shift() ?? "pass";
      if (step === "fail") return HttpResponse.json({ error: "injected 503" }, { status: 503 });
      if (step === "slow") await delay(slowMs);
      if (step === "hold") await held.promise;
      return passthrough();
    }),
  );
  msw.listen({ onUnhandledRequest: "bypass" });
});
afterEach(() => {
  plan = [];
  slowMs = 300;
  held.resolve();
  held = deferred();
});
afterAll(async () => {
  msw.close();
  await local?.close();
  await redisServer?.stop();
});

const client = (timeoutMs = 2000, caps = { maxCommands: 256, maxChars: 1 << 18 }) =>
  createRedis({ url: local.url, token, commandTimeoutMs: timeoutMs, retries: 0, coalesce: { maxInFlight: 1, ...caps } });
const nextTick = () => new Promise((r) => setImmediate(r));
const key = (name: string) => `coalesce:${randomBytes(4).toString("hex")}:${name}`;

/** `n` callers, each starting in its own macrotask (as separate HTTP requests to the app would). */
async function callers<T>(n: number, call: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const started: Promise<T>[] = [];
  for (let i = 0; i < n; i++) {
    started.push(call(i));
    await nextTick();
  }
  held.resolve();
  return Promise.allSettled(started);
}

describe("an idle client", () => {
  it("sends each pipeline at once, alone: nothing waits when no request is out", async () => {
    const redis = client();
    const before = local.stats();
    for (let i = 0; i < 5; i++) await redis.set(key(`idle-${i}`), i);
    expect(local.stats().httpRequests - before.httpRequests).toBe(5);
  });
});

describe("a busy client", () => {
  it("sends the pipelines that arrived while its one request was out as ONE request, each caller getting its own replies", async () => {
    const redis = client();
    plan = ["hold"];
    const before = local.stats();
    // Each caller sends two pipelines (the client pipelines reads apart from writes): SET, then GET.
    const results = await callers(20, (i) => {
      const k = key(`busy-${i}`);
      return Promise.all([redis.set(k, i), redis.get<number>(k)]);
    });
    const after = local.stats();
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : r.reason))).toEqual(Array.from({ length: 20 }, (_, i) => ["OK", i]));
    // The first caller's request (held 300 ms), then everyone else's together.
    expect(after.httpRequests - before.httpRequests).toBe(2);
    expect(after.redisCommands - before.redisCommands).toBe(40);
  });

  it("sends a joined request from its newest caller, the one that gives up last (workerd cancels I/O with the request that started it)", async () => {
    // Which caller's continuation sent each HTTP request: msw's handler runs in the fetch's async context.
    const caller = new AsyncLocalStorage<number>();
    const senders: Array<number | undefined> = [];
    msw.use(
      http.post(`${local.url}/*`, () => {
        senders.push(caller.getStore());
        return undefined; // falls through to the plan's handler
      }),
    );
    plan = ["hold"];
    const redis = client();
    const results = await callers(4, (i) => caller.run(i, () => redis.set(key(`sender-${i}`), i)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    // Caller 0 went out alone; 1–3 queued behind it and rode one request, sent by 3, whose deadline is last.
    expect(senders).toEqual([0, 3]);
  });

  it("splits what queued into requests of at most maxCommands commands / maxChars characters", async () => {
    const byCommands = client(2000, { maxCommands: 10, maxChars: 1 << 18 });
    plan = ["hold"];
    let before = local.stats();
    // 1 held + 20 queued pipelines of 2 commands (both writes: the client pipelines reads apart from
    // writes): 40 commands in requests of 10 at most.
    await callers(21, (i) => Promise.all([byCommands.set(key(`cap-${i}`), i), byCommands.incr(key(`cap-n-${i}`))]));
    expect(local.stats().httpRequests - before.httpRequests).toBe(1 + 4);

    const byChars = client(2000, { maxCommands: 256, maxChars: 2_000 });
    plan = ["hold"];
    before = local.stats();
    // 1 held + 6 queued values of 900 characters: two fit under 2,000, so three joined requests.
    const big = "x".repeat(900);
    const results = await callers(7, (i) => byChars.set(key(`big-${i}`), big));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(local.stats().httpRequests - before.httpRequests).toBe(1 + 3);
  });

  it("keeps a failing command with its caller: the others in the joined request are unaffected", async () => {
    const redis = client();
    const text = key("text");
    await redis.set(text, "not a number");
    plan = ["hold"];
    const results = await callers(4, (i) => (i === 2 ? redis.incr(text) : redis.incr(key(`ok-${i}`))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/not an integer/);
  });

  it("fails every caller of a joined request the transport failed, and the next request goes through", async () => {
    const redis = client();
    plan = ["hold", "fail"];
    const results = await callers(5, (i) => redis.set(key(`fail-${i}`), i));
    expect(results[0]!.status).toBe("fulfilled");
    for (const r of results.slice(1)) expect(r).toMatchObject({ status: "rejected", reason: expect.objectContaining({ name: "UpstashError", message: expect.stringMatching(/injected 503/) }) });
    // The client would append the joined body (everyone's keys and values) to each caller's message.
    for (const r of results.slice(1)) expect(String((r as PromiseRejectedResult).reason.message)).not.toMatch(/coalesce:/);
    await expect(redis.set(key("after"), 1)).resolves.toBe("OK");
  });

  it("one failed joined request is one failure for the circuit breaker, not one per caller", async () => {
    const kit = createTestKit({ url: local.url, token, env: { REDIS_COALESCE_IN_FLIGHT: "1", REDIS_BREAKER_THRESHOLD: "2" } });
    const cache = kit.cache.withNamespace("joined-breaker");
    plan = ["hold", "fail"];
    // The held request is a bare client call (no guard, so no success to reset the count); the four
    // cache reads queued behind it fail together, from one 503 (degraded reads, fail-open).
    const reads = await callers<unknown>(5, (i) => (i === 0 ? kit.redis!.set(key("breaker-held"), 1) : cache.lookup(`k-${i}`)));
    expect(reads.map((r) => (r.status !== "fulfilled" ? "threw" : typeof r.value === "string" ? r.value : ((r.value as { degraded?: string }).degraded ?? "ok")))).toEqual(["OK", "redis-error", "redis-error", "redis-error", "redis-error"]);
    expect(kit.breaker?.state()).toBe("closed");
  });

  it("counts the wait against the caller's budget: a queued caller times out on time, not a budget later", async () => {
    // 1 s per request, 400 ms budget. The first times out at 400 ms; without the queued caller's
    // own deadline it would be sent then, with a fresh 400 ms, and fail at ~800 ms.
    const redis = client(400);
    slowMs = 1000;
    plan = ["slow", "slow"];
    const first = redis.get(key("slow-1"));
    await nextTick();
    const queuedAt = performance.now();
    const second = redis.get(key("slow-2"));
    await expect(first).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(second).rejects.toMatchObject({ name: "TimeoutError" });
    expect(performance.now() - queuedAt).toBeLessThan(700);
  });

  it("never holds a transaction back: /multi-exec goes out at once, on its own", async () => {
    const redis = client();
    plan = ["hold"];
    const before = local.stats();
    const first = redis.set(key("held"), 1);
    await nextTick();
    // Resolves while the pipeline is still held: queued behind it, it would wait forever.
    const k = key("tx");
    await expect(redis.multi().set(k, 1).get(k).exec()).resolves.toEqual(["OK", 1]);
    expect(local.stats().transactions - before.transactions).toBe(1);
    held.resolve();
    await expect(first).resolves.toBe("OK");
  });
});
