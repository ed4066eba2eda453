/**
 * @upstash/ratelimit's documented fail-open: when Redis answers later than the limiter's `timeout`, `limit()`
 * resolves `{ success: true, reason: "timeout" }`. The slowness is injected with msw at the HTTP layer in front
 * of the real upstash-local (requests are delayed, then passed through unchanged).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delay, http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { Ratelimit } from "@upstash/ratelimit";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const escaped = target.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
let slowMs = 0;

const mock = setupServer(
  http.all(new RegExp(`^${escaped}(/|$)`), async () => {
    if (slowMs > 0) await delay(slowMs);
    return passthrough();
  }),
);

beforeAll(() => mock.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => mock.close());

describe("ratelimit timeout (fail-open)", () => {
  it("resolves success: true with reason 'timeout' when the server is slower than the limiter's timeout", async () => {
    const rl = new Ratelimit({
      redis: testRedis(),
      prefix: uniquePrefix("rlt"),
      limiter: Ratelimit.fixedWindow(5, "1 h"),
      ephemeralCache: false,
      // Generous next to an undelayed local call (a few ms; a busy CI box has stalled one past 100 ms),
      // tiny next to the injected delay below.
      timeout: 300,
    });
    expect(await rl.limit("warm")).toMatchObject({ success: true, remaining: 4 });

    slowMs = 1_500;
    const res = await rl.limit("warm");
    expect(res).toMatchObject({ success: true, reason: "timeout", limit: 0, remaining: 0, reset: 0 });

    // The slow request was not cancelled: once it lands, it has counted against the window. Wait for it
    // (read-only polls) rather than for a fixed time that a loaded machine may not honour.
    slowMs = 0;
    const deadline = Date.now() + 10_000;
    while ((await rl.getRemaining("warm")).remaining !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const next = await rl.limit("warm");
    expect(next).toMatchObject({ success: true, limit: 5, remaining: 2 });
    expect(next.reason).toBeUndefined();
  });
});
