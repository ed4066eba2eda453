/**
 * guard(): policies, budget, breaker and events. Operations here are plain async functions that
 * succeed, hang or throw the error shapes the client throws; the same paths are driven by real
 * client failures in guard-faults.test.ts. Command errors come from the real server.
 */
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import type { Clock } from "@/lib/clock";
import { CircuitOpenError, RedisCommandError, RedisTimeoutError, RedisUnavailableError } from "@/lib/errors";
import { createCircuitBreaker, guard, type GuardResult, type ResilienceEvent } from "@/lib/resilience";
import { testRedis, uniquePrefix } from "../../setup/redis";

const networkFailure = () => Promise.reject(new TypeError("fetch failed"));
const never = () => new Promise<never>(() => undefined);

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

function recorder() {
  const events: ResilienceEvent[] = [];
  return { events, emit: (e: ResilienceEvent) => void events.push(e) };
}

describe("guard: success", () => {
  it("returns the value with no degraded field", async () => {
    const result = await guard(async () => 42, { name: "t.ok", timeoutMs: 100, failPolicy: "open", fallback: () => 0 });
    expect(result).toEqual({ value: 42 });
    expect("degraded" in result).toBe(false);
  });
});

describe("guard: fail policies on a transport failure", () => {
  it("open → fallback value, degraded redis-error, event", async () => {
    const { events, emit } = recorder();
    const result = await guard(networkFailure, { name: "t.open", timeoutMs: 100, failPolicy: "open", fallback: (r) => `fb:${r}`, emit });
    expect(result).toEqual({ value: "fb:redis-error", degraded: "redis-error" });
    expect(events).toEqual([
      expect.objectContaining({ type: "redis.degraded", operation: "t.open", reason: "redis-error", failPolicy: "open", error: expect.any(TypeError) }),
    ]);
  });

  it("local → the in-memory stand-in's (async) answer, still marked degraded", async () => {
    const result = await guard(networkFailure, { name: "t.local", timeoutMs: 100, failPolicy: "local", local: async () => "mem" });
    expect(result).toEqual({ value: "mem", degraded: "redis-error" });
  });

  it("closed → RedisUnavailableError with a stable code and the cause, and an event", async () => {
    const { events, emit } = recorder();
    const error = await guard(networkFailure, { name: "t.closed", timeoutMs: 100, failPolicy: "closed", emit }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ code: "E_REDIS_UNAVAILABLE", retryable: true, cause: expect.any(TypeError) });
    expect(events).toEqual([expect.objectContaining({ type: "redis.degraded", reason: "redis-error", failPolicy: "closed" })]);
  });
});

describe("guard: time budget", () => {
  it("answers at the budget without waiting for the operation, and aborts its signal", async () => {
    let seen: AbortSignal | undefined;
    const started = performance.now();
    const result = await guard(
      (signal) => {
        seen = signal;
        return never();
      },
      { name: "t.slow", timeoutMs: 50, failPolicy: "open", fallback: () => "fb" },
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({ value: "fb", degraded: "timeout" });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(RedisTimeoutError);
  });

  it("closed → RedisTimeoutError (E_REDIS_TIMEOUT)", async () => {
    await expect(guard(never, { name: "t.slow", timeoutMs: 30, failPolicy: "closed" })).rejects.toMatchObject({
      code: "E_REDIS_TIMEOUT",
      context: { operation: "t.slow", timeoutMs: 30 },
    });
  });

  it("the client's own TimeoutError is a timeout too", async () => {
    const op = () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    await expect(guard(op, { name: "t.client-timeout", timeoutMs: 1000, failPolicy: "open", fallback: () => 0 })).resolves.toEqual({
      value: 0,
      degraded: "timeout",
    });
  });

  it("reports a late non-timeout failure of an abandoned operation as redis.late-failure", async () => {
    const { events, emit } = recorder();
    const late = (signal: AbortSignal) =>
      new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new RangeError("cleanup bug"))));
    await guard(late, { name: "t.late", timeoutMs: 20, failPolicy: "open", fallback: () => 0, emit });
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.type)).toEqual(["redis.degraded", "redis.late-failure"]);
  });

  it("an operation that honours its signal ends quietly (no late-failure event)", async () => {
    const { events, emit } = recorder();
    const polite = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    await guard(polite, { name: "t.polite", timeoutMs: 20, failPolicy: "open", fallback: () => 0, emit });
    await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.type)).toEqual(["redis.degraded"]);
  });
});

describe("guard: errors that are not outages", () => {
  const redis = testRedis();
  const key = `${uniquePrefix("guard")}str`;
  afterAll(() => redis.del(key));

  it("a Redis error reply throws RedisCommandError under every policy and does not trip the breaker", async () => {
    await redis.set(key, "a string");
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 1000 });
    const { events, emit } = recorder();
    const op = () => redis.hget(key, "field");
    const policies = [
      { failPolicy: "open", fallback: () => null },
      { failPolicy: "closed" },
      { failPolicy: "local", local: () => null },
    ] as const;
    for (const policy of policies) {
      const error = await guard(op, { name: "t.cmd", timeoutMs: 2000, breaker, emit, ...policy }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisCommandError);
      expect(error).toMatchObject({ code: "E_REDIS_COMMAND", context: { operation: "t.cmd", replyCode: "WRONGTYPE" } });
    }
    expect(breaker.state()).toBe("closed");
    expect(events.map((e) => e.type)).toEqual(["redis.command-error", "redis.command-error", "redis.command-error"]);
  });

  it("anything else the operation throws is rethrown untouched (not degraded, not counted)", async () => {
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 1000 });
    const { events, emit } = recorder();
    const bug = new RangeError("feature bug");
    await expect(guard(() => Promise.reject(bug), { name: "t.bug", timeoutMs: 100, failPolicy: "open", fallback: () => 0, breaker, emit })).rejects.toBe(bug);
    await expect(guard(() => { throw bug; }, { name: "t.sync", timeoutMs: 100, failPolicy: "closed", breaker })).rejects.toBe(bug);
    expect(breaker.state()).toBe("closed");
    expect(events).toEqual([]);
  });
});

describe("guard: invalid budget", () => {
  it("rejects a non-positive timeoutMs without consuming a half-open trial", async () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 100, clock });
    breaker.onFailure();
    clock.advance(100);
    await expect(guard(async () => 1, { name: "t.bad", timeoutMs: 0, failPolicy: "closed", breaker })).rejects.toThrow(RangeError);
    expect(breaker.canAttempt()).toBe(true);
  });
});

describe("guard: circuit breaker", () => {
  it("opens after the threshold; then answers circuit-open without calling the operation; recovers after cooldown", async () => {
    const clock = fakeClock();
    const { events, emit } = recorder();
    const breaker = createCircuitBreaker({ threshold: 2, cooldownMs: 1000, clock, emit });
    let calls = 0;
    let healthy = false;
    const op = async () => {
      calls++;
      if (!healthy) throw new TypeError("fetch failed");
      return "ok";
    };
    const opts = { name: "t.breaker", timeoutMs: 100, failPolicy: "open", fallback: () => "fb", breaker, emit, clock } as const;

    expect((await guard(op, opts)).degraded).toBe("redis-error");
    expect((await guard(op, opts)).degraded).toBe("redis-error");
    expect(breaker.state()).toBe("open");
    expect(await guard(op, opts)).toEqual({ value: "fb", degraded: "circuit-open" });
    expect(calls).toBe(2);

    clock.advance(1000);
    healthy = true;
    expect(await guard(op, opts)).toEqual({ value: "ok" });
    expect(breaker.state()).toBe("closed");
    expect(events.filter((e) => e.type === "redis.breaker").map((e) => e.type === "redis.breaker" && e.state)).toEqual([
      "open",
      "half-open",
      "closed",
    ]);
    const skipped = events.find((e) => e.type === "redis.degraded" && e.reason === "circuit-open");
    expect(skipped).toBeDefined();
    expect(skipped && "error" in skipped).toBe(false);
  });

  it("closed policy + open circuit → CircuitOpenError with retryAfterMs", async () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 5000, clock });
    await guard(networkFailure, { name: "t.c", timeoutMs: 100, failPolicy: "open", fallback: () => 0, breaker });
    clock.advance(1000);
    const error = await guard(async () => 1, { name: "t.c", timeoutMs: 100, failPolicy: "closed", breaker }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ code: "E_CIRCUIT_OPEN", context: { operation: "t.c", retryAfterMs: 4000 } });
  });

  it("the failure that opens the circuit carries retryAfterMs for the HTTP layer", async () => {
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 3000, clock: fakeClock() });
    await expect(guard(networkFailure, { name: "t.r", timeoutMs: 100, failPolicy: "closed", breaker })).rejects.toMatchObject({
      code: "E_REDIS_UNAVAILABLE",
      context: { retryAfterMs: 3000 },
    });
  });

  it("a timeout counts as a failure; `breaker: false` means no breaker", async () => {
    const breaker = createCircuitBreaker({ threshold: 1, cooldownMs: 1000, clock: fakeClock() });
    await guard(never, { name: "t.t", timeoutMs: 10, failPolicy: "open", fallback: () => 0, breaker });
    expect(breaker.state()).toBe("open");
    for (let i = 0; i < 3; i++) {
      expect((await guard(networkFailure, { name: "t.f", timeoutMs: 10, failPolicy: "open", fallback: () => 0, breaker: false })).degraded).toBe("redis-error");
    }
  });
});

describe("guard: option types", () => {
  it("make invalid policy combinations unrepresentable", () => {
    // Type-level only: checked by tsc, never called (so no real guard runs with bad options).
    function typeChecks() {
      const op = async () => 1;
      // @ts-expect-error open needs a fallback
      void guard(op, { name: "x", timeoutMs: 1, failPolicy: "open" });
      // @ts-expect-error closed takes no fallback
      void guard(op, { name: "x", timeoutMs: 1, failPolicy: "closed", fallback: () => 1 });
      // @ts-expect-error local needs `local`, not `fallback`
      void guard(op, { name: "x", timeoutMs: 1, failPolicy: "local", fallback: () => 1 });
      expectTypeOf(guard(op, { name: "x", timeoutMs: 1, failPolicy: "closed" })).resolves.toEqualTypeOf<{ value: number; degraded?: undefined }>();
      expectTypeOf(guard(op, { name: "x", timeoutMs: 1, failPolicy: "open", fallback: () => 0 })).resolves.toEqualTypeOf<GuardResult<number>>();
    }
    expect(typeChecks).toBeTypeOf("function");
  });
});
