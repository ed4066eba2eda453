/**
 * The composition root's circuit breaker is never silent: its transitions reach the injected
 * subscriber, or by default a log line — an opening circuit changes what every feature does.
 * A real kit against an address that refuses connections (nothing to mock: the transport fails).
 */
import { afterEach, describe, expect, it } from "vitest";
import { resolveFlag } from "@/lib/flags";
import type { RedisBreakerEvent } from "@/lib/resilience";
import { createTestKit } from "../setup/kit";

const refused = { url: "http://127.0.0.1:9", env: { REDIS_BREAKER_THRESHOLD: "1", REDIS_COMMAND_TIMEOUT_MS: "200" } };
const warn = console.warn;
afterEach(() => {
  console.warn = warn;
});

describe("the kit's circuit breaker", () => {
  it("hands its transitions to deps.onBreakerEvent", async () => {
    const events: RedisBreakerEvent[] = [];
    const kit = createTestKit({ ...refused, deps: { onBreakerEvent: (e) => events.push(e) } });
    expect((await resolveFlag(kit, "USE_REDIS_QUEUE", false)).source).toBe("degraded");
    expect(events).toMatchObject([{ type: "redis.breaker", state: "open", previous: "closed", consecutiveFailures: 1 }]);
    expect(kit.breaker?.state()).toBe("open");
  });

  it("logs the circuit opening by default", async () => {
    const lines: string[] = [];
    console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    const kit = createTestKit(refused);
    await resolveFlag(kit, "USE_REDIS_QUEUE", false);
    expect(lines.filter((l) => l.includes("Redis circuit open after 1 consecutive failures"))).toHaveLength(1);
  });
});
