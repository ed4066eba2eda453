/**
 * Session data is stored as JSON: a schema whose output does not survive JSON (a Date, a transform
 * whose output is not valid input) must be refused when written, not turn every later read of the
 * session into E_SESSION_CORRUPT (a 500) while the record sits in Redis until its TTL.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineSessionStore } from "@/lib/session";
import { createTestKit } from "../../setup/kit";
import { testRedis } from "../../setup/redis";

const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
const raw = testRedis();
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("session data that does not round-trip through JSON", () => {
  it("a z.date() field: create either stores a session that reads back, or refuses it up front", async () => {
    const store = defineSessionStore(kit, { kind: "dated", schema: z.object({ startedAt: z.date() }), ttl: "1 h" });
    let created: Awaited<ReturnType<typeof store.create>> | undefined;
    try {
      created = await store.create({ startedAt: new Date(0) });
    } catch (err) {
      expect(err).toBeInstanceOf(TypeError);
      expect(await raw.keys(`${kit.keys.prefix}:session:dated:*`)).toEqual([]); // nothing half-written
      return;
    }
    // Written: then it must read back, not throw E_SESSION_CORRUPT for the next hour.
    await expect(store.read(created.id)).resolves.not.toBeNull();
  });

  it("update() refuses such data before touching the stored record", async () => {
    const loose = defineSessionStore(kit, { kind: "later", schema: z.object({ at: z.union([z.string(), z.date()]) }), ttl: "1 h" });
    const dated = defineSessionStore(kit, { kind: "later", schema: z.object({ at: z.date() }), ttl: "1 h" });
    const { id } = await loose.create({ at: "now" });
    await expect(dated.update(id, { at: new Date(0) })).rejects.toThrow(TypeError);
    expect((await loose.read(id))?.data.at).toBe("now");
  });
});
