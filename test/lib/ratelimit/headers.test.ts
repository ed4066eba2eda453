/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, editor's copy) as emitted. */
import { describe, expect, it } from "vitest";
import { rateLimitHeaders, sfString } from "@/lib/http";

const now = 1_700_000_000_000;

describe("rateLimitHeaders", () => {
  it("lists every policy in RateLimit-Policy and the measured ones in RateLimit, t in delta-seconds (ceil)", () => {
    const h = rateLimitHeaders(
      [
        { name: "burst", quota: 10, windowSeconds: 1, remaining: 0, reset: now + 400 },
        { name: "hourly", quota: 1000, windowSeconds: 3600, remaining: 412, reset: now + 1_710_001 },
        { name: "daily", quota: 5000, windowSeconds: 86400 },
      ],
      { now },
    );
    expect(h.get("ratelimit-policy")).toBe('"burst";q=10;w=1, "hourly";q=1000;w=3600, "daily";q=5000;w=86400');
    expect(h.get("ratelimit")).toBe('"burst";r=0;t=1, "hourly";r=412;t=1711');
    expect(h.get("x-ratelimit-limit")).toBeNull();
  });

  it("legacy X-RateLimit-* describe the tightest measured policy, Reset in epoch seconds", () => {
    const h = rateLimitHeaders(
      [
        { name: "a", quota: 100, windowSeconds: 60, remaining: 50, reset: now + 30_000 },
        { name: "b", quota: 10, windowSeconds: 60, remaining: 3, reset: now + 59_500 },
      ],
      { now, legacy: true },
    );
    expect([h.get("x-ratelimit-limit"), h.get("x-ratelimit-remaining"), h.get("x-ratelimit-reset")]).toEqual(["10", "3", String(Math.ceil((now + 59_500) / 1000))]);
  });

  it("never emits negative, fractional or past values; no headers for no policies", () => {
    const h = rateLimitHeaders([{ name: "x", quota: 5.7, windowSeconds: 0.2, remaining: -3, reset: now - 5000 }], { now });
    expect(h.get("ratelimit-policy")).toBe('"x";q=5;w=1');
    expect(h.get("ratelimit")).toBe('"x";r=0;t=0');
    expect([...rateLimitHeaders([], { now }).keys()]).toEqual([]);
  });

  it("quotes names as RFC 9651 sf-strings", () => {
    expect(sfString('we"ird\\name')).toBe('"we\\"ird\\\\name"');
    expect(sfString("naïve")).toBe('"na?ve"');
  });
});
