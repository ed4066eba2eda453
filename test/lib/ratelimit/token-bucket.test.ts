/**
 * Token bucket with a cost above the refill rate (lib/ratelimit/token-bucket.ts): Retry-After, the
 * RateLimit `t` and the cached denial point at the refill where enough tokens exist — a client that
 * waits exactly Retry-After succeeds, one that comes back a millisecond earlier is refused — instead
 * of the library's next refill. Real @upstash/ratelimit against upstash-local; the library and the kit
 * both read `Date.now()`, faked here so the refill instants are exact.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { refusalResponse } from "@/lib/ratelimit";
import { check, identity, kitOn, limits, requestsDuring, startPrivateUpstashLocal, type PrivateUpstashLocal } from "./support";

let server: PrivateUpstashLocal;
beforeAll(async () => {
  server = await startPrivateUpstashLocal();
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
});

const rl = limits({
  policies: {
    // 1 token per second, a request costs 5: an empty bucket needs 5 refills.
    drain: { algorithm: "token-bucket", refillRate: 1, interval: "1 s", maxTokens: 5, identity: "ip", cost: 5 },
    // 10 tokens, a request costs 4: 10 → 6 → 2, and the refused third needs 2 refills, not 1 (nor 4).
    partial: { algorithm: "token-bucket", refillRate: 1, interval: "1 s", maxTokens: 10, identity: "ip", cost: 4 },
    // cost ≤ refillRate: the next refill always suffices (the library's reset is already right).
    cheap: { algorithm: "token-bucket", refillRate: 2, interval: "1 s", maxTokens: 2, identity: "ip", cost: 2 },
  },
});
const env = { RATE_LIMIT_TIMEOUT_MS: "5000" };

it("cost 5, 1 token/s, drained bucket: Retry-After and t are 5 s; refused at 4.999 s, admitted at 5 s", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const kit = kitOn(server, { env });
  const who = identity();
  const t0 = Date.now();
  expect((await check(kit, rl.use("drain"), who)).outcome).toBe("allowed"); // 5 → 0

  const refused = await check(kit, rl.use("drain"), who);
  expect([refused.outcome, refused.retryAfterSeconds]).toEqual(["limited", 5]);
  const response = refusalResponse(refused, rl.settings)!;
  expect(response.headers.get("retry-after")).toBe("5");
  expect(response.headers.get("ratelimit")).toBe('"drain";r=0;t=5');

  // The isolate's cached denial lasts as long: past the library's next refill it still costs nothing.
  vi.setSystemTime(t0 + 1500);
  let cached;
  expect(await requestsDuring(server, async () => (cached = await check(kit, rl.use("drain"), who)))).toBe(0);
  expect([cached!.outcome, cached!.policies[0]!.source, cached!.retryAfterSeconds]).toEqual(["limited", "cache", 4]);

  // Redis agrees: another isolate (no cached denial) is refused a millisecond early...
  vi.setSystemTime(t0 + 4999);
  const early = await check(kitOn(server, { env }), rl.use("drain"), who);
  expect([early.outcome, early.policies[0]!.source, early.retryAfterSeconds]).toEqual(["limited", "redis", 1]);
  // ...and the client that waited exactly Retry-After is admitted.
  vi.setSystemTime(t0 + refused.retryAfterSeconds! * 1000);
  expect((await check(kit, rl.use("drain"), who)).outcome).toBe("allowed");
});

it("a partly filled bucket: the refusal counts the tokens left (2 of 4 → 2 s, not 1 s nor 4 s)", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const kit = kitOn(server, { env });
  const who = identity();
  const t0 = Date.now();
  await check(kit, rl.use("partial"), who);
  await check(kit, rl.use("partial"), who);
  const refused = await check(kit, rl.use("partial"), who);
  expect([refused.outcome, refused.retryAfterSeconds]).toEqual(["limited", 2]);

  vi.setSystemTime(t0 + 1999);
  expect((await check(kitOn(server, { env }), rl.use("partial"), who)).outcome).toBe("limited");
  vi.setSystemTime(t0 + 2000);
  expect((await check(kit, rl.use("partial"), who)).outcome).toBe("allowed");
});

it("the bucket read rides the limiter's request: a refusal still costs one HTTP request", async () => {
  const kit = kitOn(server, { env });
  await check(kit, rl.use("drain"), identity()); // loads both scripts on this server (a NOSCRIPT retry costs 1 more, once)
  const who = identity();
  await check(kit, rl.use("drain"), who);
  let refused;
  expect(await requestsDuring(server, async () => (refused = await check(kit, rl.use("drain"), who)))).toBe(1);
  expect(refused!.outcome).toBe("limited");
});

it("cost ≤ refillRate: the next refill is the answer, as the library says", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const kit = kitOn(server, { env });
  const who = identity();
  const t0 = Date.now();
  await check(kit, rl.use("cheap"), who);
  const refused = await check(kit, rl.use("cheap"), who);
  expect([refused.outcome, refused.retryAfterSeconds]).toEqual(["limited", 1]);
  vi.setSystemTime(t0 + 1000);
  expect((await check(kit, rl.use("cheap"), who)).outcome).toBe("allowed");
});
