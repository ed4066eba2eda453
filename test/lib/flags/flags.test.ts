/** lib/flags against the real server: get/set/list/delete, and resolveFlag's fallbacks. */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFlags, resolveFlag } from "@/lib/flags";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";
import { startPrivateUpstashLocal } from "../../tools/upstash-local/private-upstash-local";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
const flags = createFlags(kit);
const raw = testRedis();
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("flags", () => {
  it("sets, gets, lists and deletes flags, keeping each value's type (a string '123' stays a string)", async () => {
    expect(await flags.get("maintenance")).toBeNull();
    await flags.set("maintenance", true);
    await flags.set("banner", "123");
    await flags.set("max.batch", 500);
    expect(await flags.get("banner")).toBe("123");
    expect(await flags.list()).toEqual({ banner: "123", maintenance: true, "max.batch": 500 });
    expect(await flags.delete("banner")).toBe(true);
    expect(await flags.delete("banner")).toBe(false);
    expect(Object.keys(await flags.list())).toEqual(["maintenance", "max.batch"]);
    await expect(flags.set("bad name*", true)).rejects.toThrow(RangeError);
  });

  it("keeps every flag in one hash: set and delete are one command each, list() one request, and list() agrees with get() after concurrent sets and deletes", async () => {
    const local = await startPrivateUpstashLocal();
    try {
      const own = createTestKit({ url: local.url, token: local.token, env: { REDIS_COALESCE_IN_FLIGHT: "0" } });
      const ownFlags = createFlags(own);
      const delta = async (op: () => Promise<unknown>) => {
        const before = await local.counts();
        await op();
        const after = await local.counts();
        return { httpRequests: after.httpRequests - before.httpRequests, redisCommands: after.redisCommands - before.redisCommands };
      };
      expect(await delta(() => ownFlags.set("checkout.v2", true))).toEqual({ httpRequests: 1, redisCommands: 1 });
      expect(await delta(() => ownFlags.list())).toEqual({ httpRequests: 1, redisCommands: 1 });
      expect(await delta(() => ownFlags.delete("checkout.v2"))).toEqual({ httpRequests: 1, redisCommands: 1 });
      expect(await raw.hgetall(own.keys.flags())).toBeNull();

      // Two instances racing on the same names: whatever order the writes land in, a flag that
      // get() sees is listed, and a listed flag is one get() sees.
      const other = createFlags(createTestKit({ url: local.url, token: local.token, env: { EDGE_KIT_KEY_PREFIX: own.keys.prefix } }));
      const names = ["a", "b", "c", "d"];
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const name = names[i % names.length]!;
          const flags = i % 2 === 0 ? ownFlags : other;
          return i % 3 === 0 ? flags.delete(name) : flags.set(name, i);
        }),
      );
      const listed = await ownFlags.list();
      const each = Object.fromEntries((await Promise.all(names.map(async (n) => [n, await other.get(n)] as const))).filter(([, v]) => v !== null));
      expect(listed).toEqual(each);
      await raw.del(own.keys.flags());
    } finally {
      await local.close();
    }
  });

  it("resolveFlag: USE_REDIS_QUEUE overrides the config default at run time, for every instance", async () => {
    const otherInstance = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
    expect(await resolveFlag(otherInstance, "USE_REDIS_QUEUE", false)).toEqual({ value: false, source: "default" });
    await flags.set("USE_REDIS_QUEUE", true);
    expect(await resolveFlag(otherInstance, "USE_REDIS_QUEUE", false)).toEqual({ value: true, source: "flag" });
    await flags.set("USE_REDIS_QUEUE", false);
    expect(await resolveFlag(otherInstance, "USE_REDIS_QUEUE", true)).toEqual({ value: false, source: "flag" });
  });

  it("resolveFlag ignores a wrongly typed value and falls back to the default, saying why", async () => {
    await flags.set("USE_REDIS_QUEUE", "yes");
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      expect(await resolveFlag(kit, "USE_REDIS_QUEUE", true)).toEqual({ value: true, source: "invalid" });
    } finally {
      console.warn = warn;
    }
    await flags.delete("USE_REDIS_QUEUE");
  });

  it("resolveFlag falls back to the config default when Redis is down (visible), flags.set fails closed", async () => {
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.json({ error: "down" }, { status: 500 })));
    expect(await resolveFlag(kit, "USE_REDIS_QUEUE", true)).toEqual({ value: true, source: "degraded", degraded: "redis-error" });
    await expect(flags.set("x", true)).rejects.toMatchObject({ code: "E_REDIS_UNAVAILABLE" });
  });

  it("resolveFlag in memory mode answers the config default", async () => {
    expect(await resolveFlag(createTestKit({ memory: true }), "USE_REDIS_QUEUE", true)).toEqual({ value: true, source: "default" });
  });
});
