/** defineRateLimits(): built-in policies, overrides from kit.config.ts, and validation at startup. */
import { describe, expect, it } from "vitest";
import { BoundedCache, createLocalLimiter, DEFAULT_POLICIES, defineRateLimits } from "@/lib/ratelimit";

describe("defineRateLimits", () => {
  it("ships api, login, upload, message, export and orders with sensible defaults", () => {
    const { settings } = defineRateLimits();
    expect([...settings.policies.keys()]).toEqual(["api", "login", "upload", "message", "export", "orders"]);
    const api = settings.policies.get("api")!;
    expect([api.algorithm.algorithm, api.quota, api.windowSeconds, api.perRoute, api.failPolicy]).toEqual(["sliding-window", 100, 60, true, "open"]);
    const login = settings.policies.get("login")!;
    expect([login.failPolicy, login.identity, login.penaltyMs]).toEqual(["closed", "ip-and-user", 15 * 60_000]);
    expect(settings.policies.get("orders")!.quota).toBe(10);
    // A token bucket's window is the time to refill from empty: 10 tokens at 1 per 10 s.
    expect(settings.policies.get("upload")!.windowSeconds).toBe(100);
    expect(DEFAULT_POLICIES.api.failPolicy).toBe("open");
  });

  it("patches a built-in policy, replaces it when the algorithm changes, and adds new ones", () => {
    const { settings } = defineRateLimits({
      policies: {
        api: { limit: 500 },
        message: { algorithm: "token-bucket", refillRate: 5, interval: "1 s", maxTokens: 20 },
        search: { algorithm: "fixed-window", limit: 30, window: "10 s", identity: "ip" },
      },
    });
    expect([settings.policies.get("api")!.quota, settings.policies.get("api")!.windowSeconds]).toEqual([500, 60]);
    expect(settings.policies.get("message")!.algorithm).toEqual({ algorithm: "token-bucket", refillRate: 5, interval: "1 s", maxTokens: 20 });
    expect(settings.policies.get("search")!.identity).toBe("ip");
  });

  it.each([
    [{ api: { limit: 0 } }, /"api": limit must be an integer >= 1/],
    [{ api: { window: "soon" } }, /Invalid duration/],
    [{ "Bad.Name": { algorithm: "fixed-window", limit: 1, window: "1 s" } }, /name must match/],
    [{ export: { cost: 10 } }, /cost 10 exceeds the quota 5/],
    [{ upload: { algorithm: "fixed-window" } }, /"upload": limit must be an integer >= 1, got undefined/],
  ] as const)("refuses an invalid policy at definition time: %j", (policies, message) => {
    expect(() => defineRateLimits({ policies: policies as never })).toThrow(message);
  });

  it("use() names existing policies only, and refuses an empty list", () => {
    const rl = defineRateLimits();
    expect(rl.use("api", "orders").policies.map((p) => p.name)).toEqual(["api", "orders"]);
    expect(() => rl.use("nope" as never)).toThrow(/unknown policy "nope"/);
    expect(() => rl.use()).toThrow(/at least one/);
  });

  it("validates deny-list entries at definition time", () => {
    expect(() => defineRateLimits({ denyList: { entries: ["1.2.3.4"] } })).toThrow(/expected "ip:<address>"/);
    expect(() => defineRateLimits({ denyList: { entries: ["ip:999.1.1.1"] } })).toThrow(/deny-list entry/);
  });
});

describe("per-instance building blocks", () => {
  it("BoundedCache never holds more than its size and drops the oldest write", () => {
    const cache = new BoundedCache(2);
    cache.set("a", 1).set("b", 2).set("a", 3).set("c", 4);
    expect([...cache.entries()]).toEqual([["a", 3], ["c", 4]]);
    expect(cache.blockedUntil("a", 3)).toBeUndefined(); // expired entries go on read
    expect(cache.has("a")).toBe(false);
  });

  it("the local limiter counts per key and window, refuses past the limit without counting refusals", () => {
    const local = createLocalLimiter(2);
    const opts = { limit: 3, windowMs: 1000, cost: 2, now: 10_500 };
    expect(local.limit("k", opts)).toEqual({ success: true, limit: 3, remaining: 1, reset: 11_000 });
    expect(local.limit("k", opts).success).toBe(false);
    expect(local.limit("k", { ...opts, cost: 1 }).success).toBe(true);
    expect(local.limit("k", { ...opts, now: 11_000 }).remaining).toBe(1); // next window
    local.limit("x", opts);
    local.limit("y", opts);
    expect(local.size).toBe(2);
  });
});
