/**
 * guard() and classifyRedisError() around REAL @upstash/redis calls:
 * (1) msw injects HTTP faults in front of the shared upstash-local (500s, garbage bodies, hangs,
 *     dropped connections); everything else passes through to the real server;
 * (2) a private redis-server is stopped behind a private upstash-local, then restarted.
 */
import { randomBytes } from "node:crypto";
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "@/lib/clock";
import { RedisUnavailableError } from "@/lib/errors";
import { createRedis, type Redis } from "@/lib/redis";
import { classifyRedisError, createCircuitBreaker, guard, type RedisErrorKind, type ResilienceEvent } from "@/lib/resilience";
import { freePort, spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { upstashTarget, uniquePrefix } from "../../setup/redis";

const target = upstashTarget();
const PIPELINE = `${target.url}/pipeline`;
const ROOT = `${target.url}/`;
const prefix = uniquePrefix("guard-faults");

const msw = setupServer(http.all("*", () => passthrough()));
/** HTTP requests this file sent to the shared server (msw sees every one, faulted or passed through). */
let requests = 0;
beforeAll(() => {
  msw.listen({ onUnhandledRequest: "error" });
  msw.events.on("request:start", ({ request }) => {
    if (request.url.startsWith(target.url)) requests++;
  });
});
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

function client(options: { commandTimeoutMs?: number; autoPipelining?: boolean; token?: string; url?: string } = {}): Redis {
  return createRedis({
    url: options.url ?? target.url,
    token: options.token ?? target.token,
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    retries: 0,
    autoPipelining: options.autoPipelining ?? true,
  });
}

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}

interface FaultCase {
  fault: string;
  /** msw handler to install, if the fault is injected at the HTTP layer. */
  inject?: () => void;
  call: () => Promise<unknown>;
  /** What the client throws (name and message shape): the classification table, as tested. */
  thrown: { name: string; message: RegExp };
  kind: RedisErrorKind;
}

const batchReply = (entry: object) => () => msw.use(http.post(PIPELINE, () => HttpResponse.json([entry])));

const cases: FaultCase[] = [
  {
    fault: "connection dropped (msw HttpResponse.error)",
    inject: () => msw.use(http.post(PIPELINE, () => HttpResponse.error())),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "TypeError", message: /^Failed to fetch$/ },
    kind: "unavailable",
  },
  {
    fault: "connection refused (nothing listening)",
    call: async () => client({ url: `http://127.0.0.1:${await freePort()}` }).get("a"),
    thrown: { name: "TypeError", message: /^fetch failed$/ },
    kind: "unavailable",
  },
  {
    fault: "HTTP 500 with a JSON error body",
    inject: () => msw.use(http.post(PIPELINE, () => HttpResponse.json({ error: "internal server error" }, { status: 500 }))),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashError", message: /^internal server error, command was: \[\["get",/ },
    kind: "unavailable",
  },
  {
    fault: "HTTP 502 with an HTML body",
    inject: () => msw.use(http.post(PIPELINE, () => new HttpResponse("<html>502 Bad Gateway</html>", { status: 502 }))),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashJSONParseError", message: /^Unable to parse response body: <html>/ },
    kind: "unavailable",
  },
  {
    fault: "HTTP 200 with a garbage body",
    inject: () => msw.use(http.post(PIPELINE, () => new HttpResponse("not json at all", { status: 200 }))),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashJSONParseError", message: /^Unable to parse response body: not json/ },
    kind: "unavailable",
  },
  {
    fault: "HTTP 200 with a non-array body on /pipeline",
    inject: () => msw.use(http.post(PIPELINE, () => HttpResponse.json({ result: "T0s=" }))),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "TypeError", message: /^res\.map is not a function$/ },
    kind: "unavailable",
  },
  {
    fault: "HTTP 200 without `result` on / (no pipelining)",
    inject: () => msw.use(http.post(ROOT, () => HttpResponse.json({}))),
    call: () => client({ autoPipelining: false }).get(`${prefix}a`),
    thrown: { name: "TypeError", message: /^Request did not return a result$/ },
    kind: "unavailable",
  },
  {
    fault: "answer slower than commandTimeoutMs",
    inject: () => msw.use(http.post(PIPELINE, async () => { await delay(3000); return HttpResponse.json([{ result: null }]); })),
    call: () => client({ commandTimeoutMs: 150 }).get(`${prefix}a`),
    thrown: { name: "TimeoutError", message: /timeout|aborted/i },
    kind: "timeout",
  },
  {
    fault: "wrong token (real server: 401 WRONGPASS)",
    call: () => client({ token: "not-the-token" }).get(`${prefix}a`),
    thrown: { name: "UpstashError", message: /^WRONGPASS invalid or missing auth token, command was: / },
    kind: "unavailable",
  },
  {
    fault: "Redis still loading (LOADING entry)",
    inject: batchReply({ error: "LOADING Redis is loading the dataset in memory" }),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashError", message: /^Command failed: LOADING / },
    kind: "unavailable",
  },
  {
    fault: "a script is hogging Redis (BUSY entry)",
    inject: batchReply({ error: "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT." }),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashError", message: /^Command failed: BUSY / },
    kind: "unavailable",
  },
  {
    fault: "Upstash plan limit (ERR max daily request limit exceeded)",
    inject: batchReply({ error: "ERR max daily request limit exceeded. Limit: 10000, Usage: 10000." }),
    call: () => client().get(`${prefix}a`),
    thrown: { name: "UpstashError", message: /^Command failed: ERR max daily/ },
    kind: "unavailable",
  },
  {
    fault: "WRONGTYPE (real server, auto-pipelined)",
    call: async () => {
      const redis = client();
      await redis.set(`${prefix}str`, "x");
      return redis.hget(`${prefix}str`, "f");
    },
    thrown: { name: "UpstashError", message: /^Command failed: WRONGTYPE / },
    kind: "command",
  },
  {
    fault: "WRONGTYPE (real server, single command → 400)",
    call: async () => {
      const redis = client({ autoPipelining: false });
      await redis.set(`${prefix}str`, "x");
      return redis.hget(`${prefix}str`, "f");
    },
    thrown: { name: "UpstashError", message: /^WRONGTYPE .*, command was: / },
    kind: "command",
  },
  {
    fault: "ERR not an integer (real server)",
    call: async () => {
      const redis = client();
      await redis.set(`${prefix}str`, "x");
      return redis.incr(`${prefix}str`);
    },
    thrown: { name: "UpstashError", message: /^Command failed: ERR value is not an integer/ },
    kind: "command",
  },
  {
    fault: "NOSCRIPT (real server)",
    call: () => client().evalsha("0".repeat(40), [], []),
    thrown: { name: "UpstashError", message: /^Command failed: NOSCRIPT / },
    kind: "command",
  },
];

describe("classifyRedisError: what the real client throws for each fault", () => {
  it.each(cases.map((c) => [c.fault, c] as const))("%s", async (_fault, c) => {
    c.inject?.();
    const error = await failureOf(c.call());
    expect(error.name).toBe(c.thrown.name);
    expect(error.message).toMatch(c.thrown.message);
    expect(classifyRedisError(error)).toBe(c.kind);
  });
});

describe("guard around the real client with HTTP faults", () => {
  it("answers a hung request at its own budget, well before the client's timeout", async () => {
    msw.use(http.post(PIPELINE, async () => { await delay("infinite"); return HttpResponse.json([]); }));
    const events: ResilienceEvent[] = [];
    const redis = client({ commandTimeoutMs: 1500 });
    const started = performance.now();
    const result = await guard(() => redis.get(`${prefix}a`), {
      name: "faults.get",
      timeoutMs: 100,
      failPolicy: "open",
      fallback: () => "fallback",
      emit: (e) => events.push(e),
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({ value: "fallback", degraded: "timeout" });
    expect(events).toEqual([expect.objectContaining({ type: "redis.degraded", reason: "timeout", failPolicy: "open" })]);
  });

  it("an oversized request refused by Upstash degrades per policy but never opens the breaker (Redis answered)", async () => {
    // Upstash answers a request over its size limit with HTTP 400 and this error; the service is up.
    msw.use(
      http.post(PIPELINE, () =>
        HttpResponse.json({ error: "ERR max request size exceeded. Limit: 1048576 bytes, Actual: 1048577 bytes" }, { status: 400 }),
      ),
    );
    const clock = fakeClock();
    const breaker = createCircuitBreaker({ threshold: 2, cooldownMs: 5000, clock });
    const redis = client();
    const run = () => guard(() => redis.set(`${prefix}big`, "x"), { name: "faults.set", timeoutMs: 1000, failPolicy: "open", fallback: () => "skipped", breaker, clock });
    for (let i = 0; i < 3; i++) expect(await run()).toEqual({ value: "skipped", degraded: "redis-error" });
    expect(breaker.state()).toBe("closed");
  });

  it("500s open the breaker after the threshold; the next call is circuit-open without any HTTP request", async () => {
    msw.use(http.post(PIPELINE, () => HttpResponse.json({ error: "upstream down" }, { status: 503 })));
    const clock = fakeClock();
    const events: ResilienceEvent[] = [];
    const emit = (e: ResilienceEvent) => void events.push(e);
    const breaker = createCircuitBreaker({ threshold: 3, cooldownMs: 5000, clock, emit });
    const redis = client();
    const run = () => guard(() => redis.get(`${prefix}a`), { name: "faults.get", timeoutMs: 1000, failPolicy: "local", local: () => "mem", breaker, emit, clock });

    requests = 0;
    for (let i = 0; i < 3; i++) expect(await run()).toEqual({ value: "mem", degraded: "redis-error" });
    expect(requests).toBe(3);
    expect(breaker.state()).toBe("open");

    expect(await run()).toEqual({ value: "mem", degraded: "circuit-open" });
    expect(requests).toBe(3);

    msw.resetHandlers();
    clock.advance(5000);
    expect(await run()).toEqual({ value: null });
    expect(requests).toBe(4);
    expect(events.filter((e) => e.type === "redis.breaker").map((e) => (e.type === "redis.breaker" ? e.state : ""))).toEqual([
      "open",
      "half-open",
      "closed",
    ]);
  });
});

describe("guard with the redis-server stopped behind upstash-local", () => {
  const token = `t-${randomBytes(8).toString("hex")}`;
  let redisServer: SpawnedRedis;
  let local: UpstashLocal;
  let redis: Redis;

  beforeAll(async () => {
    redisServer = await spawnRedisServer();
    local = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
    redis = createRedis({ url: local.url, token, commandTimeoutMs: 1000, retries: 0 });
  });
  afterAll(async () => {
    await local?.close();
    await redisServer?.stop();
  });

  it("degrades per policy quickly, opens the breaker, skips HTTP while open, and recovers after a restart", async () => {
    const clock = fakeClock();
    const events: ResilienceEvent[] = [];
    const emit = (e: ResilienceEvent) => void events.push(e);
    const breaker = createCircuitBreaker({ threshold: 3, cooldownMs: 10_000, clock, emit });
    const key = `${prefix}stopped`;
    const common = { name: "stopped.get", timeoutMs: 800, breaker, emit, clock } as const;
    const get = () => redis.get<string>(key);

    await redis.set(key, "v");
    expect(await guard(get, { ...common, failPolicy: "closed" })).toEqual({ value: "v" });

    const port = redisServer.port;
    await redisServer.stop();

    let started = performance.now();
    expect(await guard(get, { ...common, failPolicy: "open", fallback: () => "fallback" })).toEqual({ value: "fallback", degraded: "redis-error" });
    expect(performance.now() - started).toBeLessThan(800);

    const closedError = await failureOf(guard(get, { ...common, failPolicy: "closed" }));
    expect(closedError).toBeInstanceOf(RedisUnavailableError);
    expect(closedError).toMatchObject({ code: "E_REDIS_UNAVAILABLE", cause: { name: "UpstashError" } });
    expect((closedError.cause as Error).message).toMatch(/^upstash-local: Redis unavailable/);

    expect(await guard(get, { ...common, failPolicy: "local", local: async () => "mem" })).toEqual({ value: "mem", degraded: "redis-error" });
    expect(breaker.state()).toBe("open");

    const before = local.stats().httpRequests;
    started = performance.now();
    const skipped = await failureOf(guard(get, { ...common, failPolicy: "closed" }));
    expect(skipped).toMatchObject({ code: "E_CIRCUIT_OPEN", context: { retryAfterMs: 10_000 } });
    expect(await guard(get, { ...common, failPolicy: "open", fallback: () => "fb" })).toEqual({ value: "fb", degraded: "circuit-open" });
    expect(local.stats().httpRequests).toBe(before);
    expect(performance.now() - started).toBeLessThan(250);

    redisServer = await spawnRedisServer({ port });
    // upstash-local reconnects on its own; wait until it serves again (outside the guard).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await redis.ping().then(
        () => true,
        (err: unknown) => classifyRedisError(err) !== "unavailable" || Date.now() > deadline,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await redis.set(key, "again");

    // Still open until the cooldown has passed (no request), then one trial closes it.
    expect((await guard(get, { ...common, failPolicy: "open", fallback: () => "fb" })).degraded).toBe("circuit-open");
    clock.advance(10_000);
    expect(await guard(get, { ...common, failPolicy: "closed" })).toEqual({ value: "again" });
    expect(breaker.state()).toBe("closed");

    const degraded = events.filter((e) => e.type === "redis.degraded").map((e) => (e.type === "redis.degraded" ? `${e.failPolicy}:${e.reason}` : ""));
    expect(degraded).toEqual(["open:redis-error", "closed:redis-error", "local:redis-error", "closed:circuit-open", "open:circuit-open", "open:circuit-open"]);
    const transitions = events.filter((e) => e.type === "redis.breaker").map((e) => (e.type === "redis.breaker" ? e.state : ""));
    expect(transitions).toEqual(["open", "half-open", "closed"]);
  });
});
