/**
 * checkRateLimit() against the real @upstash/ratelimit client and a real upstash-local: sequences,
 * identities, routes, costs, window resets, round trips, and what reaches Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Kit } from "@/lib/kit";
import { check, identity, kitOn, limits, requestsDuring, startPrivateUpstashLocal, type PrivateUpstashLocal } from "./support";
import { createTestKit } from "../../setup/kit";

let server: PrivateUpstashLocal;
let kit: Kit;
beforeAll(async () => {
  server = await startPrivateUpstashLocal();
  kit = kitOn(server, { env: { RATE_LIMIT_TIMEOUT_MS: "5000" } });
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
});

const rl = limits({
  policies: {
    three: { algorithm: "fixed-window", limit: 3, window: "1 h", identity: "ip" },
    sliding: { algorithm: "sliding-window", limit: 3, window: "1 h", identity: "ip" },
    bucket: { algorithm: "token-bucket", refillRate: 1, interval: "1 h", maxTokens: 10, identity: "ip", cost: 4 },
    heavy: { algorithm: "fixed-window", limit: 10, window: "1 h", identity: "ip", cost: 3 },
    endpoint: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip", perRoute: true },
    both: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip-and-user" },
    short: { algorithm: "fixed-window", limit: 1, window: "10 s", identity: "ip" },
  },
});

describe("a fixed window of 3", () => {
  it("admits 3 requests, counting remaining down, then refuses the 4th with the violated policy and a Retry-After", async () => {
    const who = identity();
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await check(kit, rl.use("three"), who));
    expect(seen.map((d) => d.outcome)).toEqual(["allowed", "allowed", "allowed", "limited"]);
    expect(seen.map((d) => d.policies[0]!.remaining)).toEqual([2, 1, 0, 0]);
    expect(seen[3]!.violated).toEqual(["three"]);
    expect(seen[3]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(seen[3]!.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(seen.every((d) => d.degraded === undefined)).toBe(true);
  });

  it("keeps identities apart: one client's exhaustion does not touch another's budget", async () => {
    const a = identity();
    const b = identity();
    for (let i = 0; i < 3; i++) await check(kit, rl.use("three"), a);
    expect((await check(kit, rl.use("three"), a)).outcome).toBe("limited");
    const other = await check(kit, rl.use("three"), b);
    expect(other.outcome).toBe("allowed");
    expect(other.policies[0]!.remaining).toBe(2);
  });
});

it("sliding window: admits its limit then refuses (the library's two-window estimate)", async () => {
  const who = identity();
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push((await check(kit, rl.use("sliding"), who)).outcome);
  expect(outcomes).toEqual(["allowed", "allowed", "allowed", "limited"]);
});

describe("cost > 1", () => {
  it("token bucket of 10 at cost 4: 6 left, 2 left, then refused (it never goes negative)", async () => {
    const who = identity();
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await check(kit, rl.use("bucket"), who));
    expect(seen.map((d) => [d.outcome, d.policies[0]!.remaining])).toEqual([
      ["allowed", 6],
      ["allowed", 2],
      ["limited", 0],
    ]);
  });

  it("fixed window of 10 at cost 3: three requests (9 units) pass, the fourth would reach 12 and is refused", async () => {
    const who = identity();
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await check(kit, rl.use("heavy"), who));
    expect(seen.map((d) => [d.outcome, d.policies[0]!.remaining])).toEqual([
      ["allowed", 7],
      ["allowed", 4],
      ["allowed", 1],
      ["limited", 0],
    ]);
  });
});

describe("scope", () => {
  it("a per-route policy gives each endpoint its own budget for the same client", async () => {
    const who = identity();
    for (let i = 0; i < 2; i++) await check(kit, rl.use("endpoint"), who, "orders.create");
    expect((await check(kit, rl.use("endpoint"), who, "orders.create")).outcome).toBe("limited");
    expect((await check(kit, rl.use("endpoint"), who, "items.read")).outcome).toBe("allowed");
  });

  it("a per-identity policy shares one budget across routes", async () => {
    const who = identity();
    await check(kit, rl.use("three"), who, "a");
    await check(kit, rl.use("three"), who, "b");
    await check(kit, rl.use("three"), who, "c");
    expect((await check(kit, rl.use("three"), who, "d")).outcome).toBe("limited");
  });

  it("ip-and-user limits the IP and the user separately; both must pass", async () => {
    const ip = identity().ip;
    // Two users behind one IP: the IP's budget (2) is shared, each user's is their own.
    expect((await check(kit, rl.use("both"), { ip, userId: "u1" })).outcome).toBe("allowed");
    expect((await check(kit, rl.use("both"), { ip, userId: "u2" })).outcome).toBe("allowed");
    const third = await check(kit, rl.use("both"), { ip, userId: "u3" });
    expect(third.outcome).toBe("limited");
    // The same user from another IP still has one unit left of their own 2.
    const elsewhere = await check(kit, rl.use("both"), { ip: identity().ip, userId: "u1" });
    expect(elsewhere.outcome).toBe("allowed");
    expect(elsewhere.policies[0]!.remaining).toBe(0);
  });
});

it("decides several limits (2 policies × IP and user) in ONE HTTP request", async () => {
  const ip = identity().ip;
  const many = limits({
    policies: {
      burst: { algorithm: "fixed-window", limit: 5, window: "1 h", identity: "ip-and-user" },
      hourly: { algorithm: "sliding-window", limit: 50, window: "1 h", identity: "ip-and-user" },
    },
  });
  const isolate = kitOn(server);
  await check(isolate, many.use("burst", "hourly"), { ip, userId: "warm" }); // first EVALSHA may cost a NOSCRIPT retry
  const sent = await requestsDuring(server, async () => {
    const d = await check(isolate, many.use("burst", "hourly"), { ip, userId: "someone" });
    expect(d.outcome).toBe("allowed");
    expect(d.policies.map((p) => p.remaining)).toEqual([3, 48]);
  });
  expect(sent).toBe(1);
});

it("the window resets: refused now, admitted once the fixed window has passed (fake Date)", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const who = identity();
  expect((await check(kit, rl.use("short"), who)).outcome).toBe("allowed");
  const refused = await check(kit, rl.use("short"), who);
  expect(refused.outcome).toBe("limited");
  expect(refused.retryAfterSeconds).toBeLessThanOrEqual(10);
  vi.setSystemTime(Date.now() + 10_000);
  const again = await check(kit, rl.use("short"), who);
  expect(again.outcome).toBe("allowed");
  expect(again.policies[0]!.remaining).toBe(0);
});

it("no raw identifier reaches Redis: keys hold hashes only, under the ratelimit family", async () => {
  const isolate = kitOn(server, { env: { EDGE_KIT_KEY_PREFIX: `keys-${process.pid}-${Date.now() % 1e6}` } });
  const ip = "203.0.113.77";
  await check(isolate, rl.use("both", "three"), { ip, userId: "alice@example.com" }, "orders.create");
  const everything = await isolate.redis!.keys(`${isolate.keys.prefix}:*`);
  expect(everything.join("\n")).not.toMatch(/203\.0\.113|alice/);
  const keys = await isolate.redis!.keys(isolate.keys.scanPattern("ratelimit"));
  expect(keys.length).toBe(3); // both: ip + user; three: ip
  for (const key of keys) {
    expect(key).toMatch(new RegExp(`^${isolate.keys.prefix}:ratelimit:[a-z-]+:(ip|user):[0-9a-f]{32}:\\d+$`));
  }
});

it("memory mode (no Redis): a per-instance limiter decides, marked degraded no-redis", async () => {
  const memory = createTestKit({ memory: true });
  const who = identity();
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(await check(memory, rl.use("three"), who));
  expect(seen.map((d) => d.outcome)).toEqual(["allowed", "allowed", "allowed", "limited"]);
  expect(seen.every((d) => d.degraded === "no-redis")).toBe(true);
  expect(seen[0]!.policies[0]!.source).toBe("local");
});
