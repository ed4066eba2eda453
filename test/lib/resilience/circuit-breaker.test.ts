import { describe, expect, it } from "vitest";
import type { Clock } from "@/lib/clock";
import { createCircuitBreaker, type RedisBreakerEvent } from "@/lib/resilience";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

function setup(threshold = 3, cooldownMs = 1000) {
  const clock = fakeClock();
  const events: RedisBreakerEvent[] = [];
  const breaker = createCircuitBreaker({ threshold, cooldownMs, clock, emit: (e) => events.push(e) });
  const transitions = () => events.map((e) => `${e.previous}→${e.state}`);
  return { clock, breaker, events, transitions };
}

describe("createCircuitBreaker", () => {
  it("starts closed and lets calls through", () => {
    const { breaker } = setup();
    expect(breaker.state()).toBe("closed");
    expect(breaker.canAttempt()).toBe(true);
    expect(breaker.retryAfterMs()).toBe(0);
  });

  it("opens after `threshold` consecutive failures, not before", () => {
    const { breaker, events } = setup(3);
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe("closed");
    breaker.onFailure();
    expect(breaker.state()).toBe("open");
    expect(breaker.canAttempt()).toBe(false);
    expect(events).toEqual([{ type: "redis.breaker", previous: "closed", state: "open", consecutiveFailures: 3, retryAfterMs: 1000 }]);
  });

  it("counts one failure once, however many callers report the same error object", () => {
    const { breaker } = setup(2);
    const joined = new TypeError("fetch failed"); // one HTTP request that carried five callers
    for (let i = 0; i < 5; i++) breaker.onFailure(joined);
    expect(breaker.state()).toBe("closed");
    breaker.onFailure(new TypeError("fetch failed"));
    expect(breaker.state()).toBe("open");
  });

  it("a success resets the consecutive count", () => {
    const { breaker } = setup(3);
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe("closed");
  });

  it("counts down retryAfterMs while open", () => {
    const { breaker, clock } = setup(1, 1000);
    breaker.onFailure();
    expect(breaker.retryAfterMs()).toBe(1000);
    clock.advance(400);
    expect(breaker.retryAfterMs()).toBe(600);
    expect(breaker.canAttempt()).toBe(false);
  });

  it("after the cooldown allows exactly one trial (half-open); its success closes the circuit", () => {
    const { breaker, clock, transitions } = setup(1, 1000);
    breaker.onFailure();
    clock.advance(1000);
    expect(breaker.state()).toBe("half-open");
    expect(breaker.canAttempt()).toBe(true);
    expect(breaker.canAttempt()).toBe(false);
    expect(breaker.canAttempt()).toBe(false);
    breaker.onSuccess();
    expect(breaker.state()).toBe("closed");
    expect(breaker.canAttempt()).toBe(true);
    expect(transitions()).toEqual(["closed→open", "open→half-open", "half-open→closed"]);
  });

  it("a failed trial re-opens for a full cooldown", () => {
    const { breaker, clock, transitions } = setup(2, 1000);
    breaker.onFailure();
    breaker.onFailure();
    clock.advance(1500);
    expect(breaker.canAttempt()).toBe(true);
    breaker.onFailure();
    expect(breaker.state()).toBe("open");
    expect(breaker.retryAfterMs()).toBe(1000);
    clock.advance(999);
    expect(breaker.canAttempt()).toBe(false);
    clock.advance(1);
    expect(breaker.canAttempt()).toBe(true);
    expect(transitions()).toEqual(["closed→open", "open→half-open", "half-open→open", "open→half-open"]);
  });

  it("a failure reported while open (a call from before) does not extend the cooldown", () => {
    const { breaker, clock } = setup(1, 1000);
    breaker.onFailure();
    clock.advance(600);
    breaker.onFailure();
    expect(breaker.retryAfterMs()).toBe(400);
  });

  it("a trial that never reports back expires after one cooldown, so the circuit cannot wedge", () => {
    const { breaker, clock } = setup(1, 1000);
    breaker.onFailure();
    clock.advance(1000);
    expect(breaker.canAttempt()).toBe(true);
    clock.advance(300);
    expect(breaker.canAttempt()).toBe(false);
    expect(breaker.retryAfterMs()).toBe(700);
    clock.advance(700);
    expect(breaker.canAttempt()).toBe(true);
  });

  it("rejects invalid options", () => {
    expect(() => createCircuitBreaker({ threshold: 0, cooldownMs: 10 })).toThrow(RangeError);
    expect(() => createCircuitBreaker({ threshold: 1.5, cooldownMs: 10 })).toThrow(RangeError);
    expect(() => createCircuitBreaker({ threshold: 1, cooldownMs: -1 })).toThrow(RangeError);
  });
});
