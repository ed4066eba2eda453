/**
 * resolveTtl: whole milliseconds only. A fractional TTL used to reach `SET … PX` and make Redis
 * reject the write — after getOrSet's loader had already run.
 */
import { describe, expect, it } from "vitest";
import { resolveTtl } from "@/lib/cache";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();

describe("fractional TTLs", () => {
  it("are rounded up to whole milliseconds", () => {
    expect(resolveTtl("x", { ttl: 60_000 / 7, staleWhileRevalidate: 1000 / 3 }, {})).toEqual({ freshMs: 8572, staleMs: 334 });
    expect(resolveTtl("x", { ttl: 0.2 }, {})).toEqual({ freshMs: 1, staleMs: 0 });
  });

  it("set and getOrSet store the entry (Redis accepts the PX) with the rounded expiry", async () => {
    const c = kit.cache.withNamespace("ttl-fraction");
    expect(await c.set("k", "v", { ttl: 60_000 / 7 })).toMatchObject({ written: 1, backend: "redis" });
    const pttl = await kit.redis!.pttl(kit.keys.cache("ttl-fraction", "k"));
    expect(pttl).toBeGreaterThan(8000);
    expect(pttl).toBeLessThanOrEqual(8572);

    let calls = 0;
    const load = () => ++calls;
    expect(await c.getOrSet("g", load, { ttl: 60_000 / 7, staleWhileRevalidate: 1000 / 3 })).toBe(1);
    expect(await c.getOrSet("g", load, { ttl: 60_000 / 7, staleWhileRevalidate: 1000 / 3 })).toBe(1);
    expect(calls).toBe(1);
  });
});
