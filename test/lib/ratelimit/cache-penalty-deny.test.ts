/**
 * What costs no Redis call: cached denials (0 HTTP requests, counted at the server), penalties
 * mirrored in the isolate, and the deny list (static, and the shared list re-read in the same request).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readCounts } from "@/lib/observability";
import { addToDenyList, removeFromDenyList } from "@/lib/ratelimit";
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
    two: { algorithm: "fixed-window", limit: 2, window: "1 h", identity: "ip" },
    slide: { algorithm: "sliding-window", limit: 2, window: "1 h", identity: "ip" },
    boxed: { algorithm: "fixed-window", limit: 1, window: "10 s", identity: "ip", penalty: { duration: "1 h" } },
  },
});

describe("ephemeral cache of denials", () => {
  it.each(["two", "slide"] as const)("%s: once refused, repeat requests are refused with 0 HTTP requests", async (policy) => {
    const kit = kitOn(server);
    const who = identity();
    await check(kit, rl.use(policy), who);
    await check(kit, rl.use(policy), who);
    const first = await check(kit, rl.use(policy), who);
    expect([first.outcome, first.policies[0]!.source]).toEqual(["limited", "redis"]);

    const sent = await requestsDuring(server, async () => {
      for (let i = 0; i < 20; i++) {
        const d = await check(kit, rl.use(policy), who);
        expect([d.outcome, d.policies[0]!.source]).toEqual(["limited", "cache"]);
        expect(d.retryAfterSeconds).toBeGreaterThan(0);
      }
    });
    expect(sent).toBe(0);

    // Another isolate has no cached denial: it asks Redis once, and is refused too.
    const other = kitOn(server);
    let remote;
    expect(await requestsDuring(server, async () => (remote = await check(other, rl.use(policy), who)))).toBe(1);
    expect([remote!.outcome, remote!.policies[0]!.source]).toEqual(["limited", "redis"]);
  });

  it("is bounded: past its size the oldest denial is forgotten (Redis still refuses it, at 1 request)", async () => {
    const tiny = limits({ ephemeralCacheSize: 1, policies: { one: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" } } });
    const kit = kitOn(server);
    const a = identity();
    const b = identity();
    for (const who of [a, a, b, b]) await check(kit, tiny.use("one"), who); // a then b refused: b evicts a
    expect(await requestsDuring(server, () => check(kit, tiny.use("one"), b))).toBe(0);
    let again;
    expect(await requestsDuring(server, async () => (again = await check(kit, tiny.use("one"), a)))).toBe(1);
    expect(again!.outcome).toBe("limited");
  });
});

describe("penalty", () => {
  it("blocks for the penalty duration, past the window's end, in this isolate and in others", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const kit = kitOn(server);
    const who = identity();
    expect((await check(kit, rl.use("boxed"), who)).outcome).toBe("allowed");
    const violation = await check(kit, rl.use("boxed"), who);
    expect([violation.outcome, violation.policies[0]!.source]).toEqual(["limited", "penalty"]);
    expect(violation.retryAfterSeconds).toBeGreaterThan(3590);

    vi.setSystemTime(Date.now() + 20_000); // the 10 s window is long over
    const local = await check(kit, rl.use("boxed"), who);
    expect([local.outcome, local.policies[0]!.source]).toEqual(["limited", "cache"]);

    const other = kitOn(server);
    let remote!: Awaited<ReturnType<typeof check>>;
    // The penalty lookup rides in the limiter's request: one HTTP request for the whole decision.
    expect(await requestsDuring(server, async () => (remote = await check(other, rl.use("boxed"), who)))).toBe(1);
    expect([remote.outcome, remote.policies[0]!.source]).toEqual(["limited", "penalty"]);
    expect(remote.retryAfterSeconds).toBeGreaterThan(3500);

    vi.setSystemTime(Date.now() + 3600_000);
    expect((await check(kitOn(server), rl.use("boxed"), who)).outcome).toBe("allowed");
  });
});

describe("deny list", () => {
  const static_ = limits({
    denyList: { entries: ["ip:203.0.113.9", "user:mallory", "ip:2001:db8:aa:bb::/64"], shared: false },
    policies: { any: { algorithm: "fixed-window", limit: 100, window: "1 h", identity: "ip-and-user" } },
  });

  it("static entries block IPs (IPv6 by /64) and users with no Redis call", async () => {
    const kit = kitOn(server);
    const sent = await requestsDuring(server, async () => {
      for (const who of [
        { ip: "203.0.113.9", userId: null },
        { ip: identity().ip, userId: "mallory" },
        { ip: "2001:db8:aa:bb::/64", userId: null },
      ]) {
        const d = await check(kit, static_.use("any"), who);
        expect(d.outcome).toBe("blocked");
      }
    });
    expect(sent).toBe(0);
    expect((await check(kit, static_.use("any"), identity())).outcome).toBe("allowed");
  });

  it("the shared list is re-read at most once per interval, inside the rate-limit request; denials then cost 0", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const shared = limits({ denyList: { shared: { refreshEvery: "1 m" } }, policies: { any: { algorithm: "fixed-window", limit: 100, window: "1 h" } } });
    const admin = kitOn(server);
    const bad = identity();
    await addToDenyList(admin, `ip:${bad.ip}`);
    const members = await admin.redis!.smembers(admin.keys.rateLimit("_deny", "entries"));
    expect(members.join()).not.toContain(bad.ip); // stored hashed

    await check(kitOn(server), shared.use("any"), identity()); // loads the script (a NOSCRIPT retry costs 1 more, once per server)
    const kit = kitOn(server);
    let first;
    expect(await requestsDuring(server, async () => (first = await check(kit, shared.use("any"), bad)))).toBe(1);
    expect(first!.outcome).toBe("blocked");
    expect(await requestsDuring(server, async () => expect((await check(kit, shared.use("any"), bad)).outcome).toBe("blocked"))).toBe(0);

    await removeFromDenyList(admin, `ip:${bad.ip}`);
    expect((await check(kit, shared.use("any"), bad)).outcome).toBe("blocked"); // until the next re-read
    vi.setSystemTime(Date.now() + 61_000);
    // The due re-read runs off the refused request's path (deny-list.test.ts); the next one sees the removal.
    expect((await check(kit, shared.use("any"), bad)).outcome).toBe("blocked");
    expect((await check(kit, shared.use("any"), bad)).outcome).toBe("allowed");
  });
});

it("outcome counters reach the shared Redis counters through pending (waitUntil)", async () => {
  const counted = limits({ countersFlushEvery: 0, policies: { one: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" } } });
  const kit = kitOn(server);
  const who = identity();
  for (let i = 0; i < 3; i++) await check(kit, counted.use("one"), who);
  expect(await readCounts(kit, "ratelimit")).toEqual({ allowed: 1, limited: 2, "denied.redis": 1, "denied.cache": 1 });
});
