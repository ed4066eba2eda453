/**
 * One slow HTTP request is one breaker failure, however many guarded callers rode on it.
 *
 * Kit guards use the client's own per-request timeout as their budget (kitGuardOptions), so each
 * caller's guard timer fires before the client aborts the request, and each used to report its own
 * RedisTimeoutError: five callers auto-pipelined into one slow `/pipeline` were five failures, which
 * is the default threshold. Real client, real upstash-local; msw only delays the HTTP request.
 */
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Kit } from "@/lib/kit";
import { guard, kitGuardOptions } from "@/lib/resilience";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const PIPELINE = `${target.url}/pipeline`;

const msw = setupServer(http.all("*", () => passthrough()));
let requests = 0;
beforeAll(() => {
  msw.listen({ onUnhandledRequest: "error" });
  msw.events.on("request:start", ({ request }) => {
    if (request.url.startsWith(target.url)) requests++;
  });
});
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

/** Every `/pipeline` request answers long after the kit's 200 ms budget (the client aborts it first). */
function slowPipelines(): void {
  msw.use(
    http.post(PIPELINE, async () => {
      await delay(2000);
      return HttpResponse.json([]);
    }),
  );
}

/** A kit as in production: guard budget = the client's per-request timeout (200 ms here), breaker threshold 5. */
function slowKit(): Kit {
  return createTestKit({ env: { REDIS_COMMAND_TIMEOUT_MS: "200", REDIS_BREAKER_THRESHOLD: "5", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
}

/** A guarded GET with the kit's own guard options, as every feature calls Redis. */
function guardedGet(kit: Kit, key: string) {
  return guard(() => kit.redis!.get(kit.keys.cache("shared-timeout", key)), {
    ...kitGuardOptions(kit, "test.get"),
    failPolicy: "open",
    fallback: () => "fallback",
  });
}

describe("breaker: timeouts of callers sharing one HTTP request", () => {
  it("five callers auto-pipelined into one slow request are one failure: the circuit stays closed", async () => {
    const kit = slowKit();
    slowPipelines();
    requests = 0;
    const results = await Promise.all(["a", "b", "c", "d", "e"].map((k) => guardedGet(kit, k)));
    expect(results.map((r) => r.degraded)).toEqual(["timeout", "timeout", "timeout", "timeout", "timeout"]);
    expect(requests).toBe(1);
    expect(kit.breaker!.state()).toBe("closed");

    // Exactly one was counted: four more slow requests, each on its own, reach the threshold of 5.
    for (let i = 0; i < 3; i++) await guardedGet(kit, `solo-${i}`);
    expect(kit.breaker!.state()).toBe("closed");
    await guardedGet(kit, "solo-3");
    expect(kit.breaker!.state()).toBe("open");
    expect(requests).toBe(5);
  });

  it("five separate slow requests still open it (each is its own failure)", async () => {
    const kit = slowKit();
    slowPipelines();
    requests = 0;
    for (let i = 0; i < 5; i++) {
      expect(kit.breaker!.state()).toBe("closed");
      expect((await guardedGet(kit, `sep-${i}`)).degraded).toBe("timeout");
    }
    expect(requests).toBe(5);
    expect(kit.breaker!.state()).toBe("open");
  });

  it("overlapping slow requests started apart are separate failures too", async () => {
    const kit = slowKit();
    slowPipelines();
    requests = 0;
    // Each starts 5 ms after the previous one, from a timer of its own (so in a later turn, however
    // loaded the machine): five HTTP requests in flight at once, none joined.
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(guardedGet(kit, `overlap-${i}`));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await Promise.all(calls)).map((r) => r.degraded)).toEqual(Array(5).fill("timeout"));
    expect(requests).toBe(5);
    expect(kit.breaker!.state()).toBe("open");
  });
});
