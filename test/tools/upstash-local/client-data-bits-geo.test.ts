/**
 * Bitmaps, HyperLogLog and geo commands through the real @upstash/redis client and upstash-local.
 */
import { describe, expect, it } from "vitest";
import { testRedis, uniquePrefix } from "../../setup/redis";
import { clientModes, realRedis } from "./client-modes";

const prefix = uniquePrefix("bitsgeo");

describe.each(clientModes)("bitmaps, HyperLogLog and geo, $mode", ({ mode, overrides }) => {
  const redis = realRedis(overrides);
  const key = (name: string) => `${prefix}${mode.startsWith("auto") ? "auto" : "single"}:${name}`;

  it("SETBIT returns the previous bit, GETBIT reads it, BITCOUNT counts set bits", async () => {
    expect(await redis.setbit(key("bits"), 7, 1)).toBe(0);
    expect(await redis.setbit(key("bits"), 7, 1)).toBe(1);
    expect(await redis.setbit(key("bits"), 8, 1)).toBe(0);
    expect(await redis.setbit(key("bits"), 100, 1)).toBe(0);
    expect(await redis.getbit(key("bits"), 7)).toBe(1);
    expect(await redis.getbit(key("bits"), 6)).toBe(0);
    expect(await redis.bitcount(key("bits"), 0, -1)).toBe(3);
    expect(await redis.bitcount(key("bits"), 0, 0)).toBe(1);
    expect(await redis.bitpos(key("bits"), 1)).toBe(7);
  });

  it("a bitmap is a string of raw bytes: bit 1 and bit 6 set give the byte 0x42 = 'B'", async () => {
    await redis.setbit(key("byte"), 1, 1);
    await redis.setbit(key("byte"), 6, 1);
    expect(await redis.get(key("byte"))).toBe("B");
  });

  it("PFADD reports whether the estimate changed and PFCOUNT estimates the cardinality", async () => {
    expect(await redis.pfadd(key("hll"), "a", "b", "c")).toBe(1);
    expect(await redis.pfadd(key("hll"), "a", "b")).toBe(0);
    expect(await redis.pfcount(key("hll"))).toBe(3);
    await redis.pfadd(key("hll2"), "c", "d");
    expect(await redis.pfmerge(key("hll-merged"), key("hll"), key("hll2"))).toBe("OK");
    expect(await redis.pfcount(key("hll-merged"))).toBe(4);
  });

  it("GEOADD counts new members and GEODIST returns the distance as a number", async () => {
    expect(
      await redis.geoadd(
        key("geo"),
        { longitude: 13.361389, latitude: 38.115556, member: "Palermo" },
        { longitude: 15.087269, latitude: 37.502669, member: "Catania" },
      ),
    ).toBe(2);
    expect(await redis.geodist(key("geo"), "Palermo", "Catania", "KM")).toBe(166.2742);
    expect(await redis.geodist(key("geo"), "Palermo", "Catania")).toBe(166274.1516);
    expect(await redis.geodist(key("geo"), "Palermo", "Nowhere")).toBeNull();
  });

  it("GEOPOS returns coordinates close to the stored ones", async () => {
    await redis.geoadd(key("geopos"), { longitude: 2.294481, latitude: 48.85837, member: "tour-eiffel" });
    const [pos] = await redis.geopos(key("geopos"), "tour-eiffel");
    expect(pos?.lng).toBeCloseTo(2.294481, 5);
    expect(pos?.lat).toBeCloseTo(48.85837, 5);
  });
});
