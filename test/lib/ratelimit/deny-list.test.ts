/**
 * The deny list (lib/ratelimit/deny-list.ts) as checkRateLimit applies it: matched against the whole
 * identity whatever the route's policies count, and answered from the isolate's copy with no Redis
 * call on the request's path — even when a re-read of the shared list is due.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addToDenyList, prepareRateLimit, removeFromDenyList } from "@/lib/ratelimit";
import { check, identity, kitOn, limits, requestsDuring, startPrivateUpstashLocal, type PrivateUpstashLocal } from "./support";

let server: PrivateUpstashLocal;
beforeAll(async () => {
  server = await startPrivateUpstashLocal();
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
});

const policies = {
  "by-ip": { algorithm: "fixed-window", limit: 100, window: "1 h", identity: "ip" },
  once: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" },
} as const;

describe("matched against the whole identity, not the policies' subjects", () => {
  const static_ = limits({ denyList: { entries: ["ip:203.0.113.9", "user:mallory"], shared: false }, policies });

  it("an ip: entry still refuses the caller once signed in (api: user-or-ip counts only the user), at 0 requests", async () => {
    const kit = kitOn(server);
    let signedIn;
    const sent = await requestsDuring(server, async () => {
      signedIn = await check(kit, static_.use("api"), { ip: "203.0.113.9", userId: `throwaway-${identity().ip}` });
    });
    expect([signedIn!.outcome, signedIn!.blockedBy]).toEqual(["blocked", "ip"]);
    expect(sent).toBe(0);
  });

  it("a user: entry refuses that user on a route whose policies count only IPs", async () => {
    const d = await check(kitOn(server), static_.use("by-ip"), { ip: identity().ip, userId: "mallory" });
    expect([d.outcome, d.blockedBy]).toEqual(["blocked", "user"]);
  });

  it("the shared list too: a shared ip: entry refuses a signed-in caller, a shared user: entry an ip-only route", async () => {
    const shared = limits({ denyList: { shared: { refreshEvery: "1 h" } }, policies });
    const admin = kitOn(server);
    const bannedIp = identity().ip!;
    const bannedUser = `user-${bannedIp}`;
    await addToDenyList(admin, `ip:${bannedIp}`);
    await addToDenyList(admin, `user:${bannedUser}`);
    try {
      const kit = kitOn(server);
      const viaIp = await check(kit, shared.use("api"), { ip: bannedIp, userId: "a-fresh-account" });
      expect([viaIp.outcome, viaIp.blockedBy]).toEqual(["blocked", "ip"]);
      const viaUser = await check(kit, shared.use("by-ip"), { ip: identity().ip, userId: bannedUser });
      expect([viaUser.outcome, viaUser.blockedBy]).toEqual(["blocked", "user"]);
      expect((await check(kit, shared.use("api"), identity({ userId: "someone-else" }))).outcome).toBe("allowed");
    } finally {
      await removeFromDenyList(admin, `ip:${bannedIp}`);
      await removeFromDenyList(admin, `user:${bannedUser}`);
    }
  });
});

describe("a due re-read of the shared list", () => {
  it("does not delay a listed identity: refused from the local copy (no Redis call, no limiter debited), re-read off the path", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const shared = limits({ denyList: { shared: { refreshEvery: "1 m" } }, policies });
    const unlisted = limits({ denyList: false, policies });
    const admin = kitOn(server);
    const bad = identity();
    await addToDenyList(admin, `ip:${bad.ip}`);

    const kit = kitOn(server);
    expect((await check(kit, shared.use("once"), identity())).outcome).toBe("allowed"); // loads the copy
    vi.setSystemTime(Date.now() + 61_000); // the copy is due for a re-read

    const prepared = await prepareRateLimit(kit, { identity: bad, routeName: "r", rateLimit: shared.use("once") });
    // Decided before any Redis call: the limiter call would only be sent by run().
    expect(prepared.decided?.outcome).toBe("blocked");
    await prepared.decided?.pending; // the re-read, handed to waitUntil
    // `once` allows 1 per hour: had the refused request been debited, this would be refused.
    expect((await check(kitOn(server), unlisted.use("once"), bad)).outcome).toBe("allowed");

    // A removal reaches the isolate through that background re-read: one request late at most.
    await removeFromDenyList(admin, `ip:${bad.ip}`);
    vi.setSystemTime(Date.now() + 61_000);
    const stale = await check(kit, shared.use("by-ip"), bad);
    expect(stale.outcome).toBe("blocked");
    expect((await check(kit, shared.use("by-ip"), bad)).outcome).toBe("allowed");
  });

  it("costs an unlisted identity nothing extra: it rides the rate-limit request", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const shared = limits({ denyList: { shared: { refreshEvery: "1 m" } }, policies });
    const kit = kitOn(server);
    await check(kit, shared.use("by-ip"), identity()); // first load (and script load)
    vi.setSystemTime(Date.now() + 61_000);
    let d;
    expect(await requestsDuring(server, async () => (d = await check(kit, shared.use("by-ip"), identity())))).toBe(1);
    expect(d!.outcome).toBe("allowed");
  });
});
