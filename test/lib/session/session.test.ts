/**
 * lib/session against the real server: typed create/read/update/destroy, TTL bounds, sliding
 * expiry, expired reads as clean misses, and fail-closed behaviour under faults.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { KitError } from "@/lib/errors";
import { defineSessionStore } from "@/lib/session";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
const raw = testRedis();
const upload = z.object({ file: z.string(), parts: z.number().int().nonnegative() });
const uploads = defineSessionStore(kit, { kind: "upload", schema: upload, ttl: "1 h" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("session store", () => {
  it("creates, reads, updates and destroys a typed session", async () => {
    const created = await uploads.create({ file: "a.csv", parts: 0 });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.expiresAt - created.createdAt).toBe(3_600_000);
    const read = await uploads.read(created.id);
    expect(read).toMatchObject({ id: created.id, data: { file: "a.csv", parts: 0 }, createdAt: created.createdAt });
    expect(read!.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await uploads.update(created.id, { file: "a.csv", parts: 3 })).toBe(true);
    expect((await uploads.read(created.id))?.data.parts).toBe(3);
    expect(await uploads.destroy(created.id)).toBe(true);
    expect(await uploads.read(created.id)).toBeNull();
    expect(await uploads.destroy(created.id)).toBe(false);
    expect(await uploads.update(created.id, { file: "a.csv", parts: 4 })).toBe(false);
  });

  it("validates data with the schema on create, and refuses TTLs outside 15 min-24 h", async () => {
    await expect(uploads.create({ file: "a", parts: -1 })).rejects.toThrow();
    expect(() => defineSessionStore(kit, { kind: "s", schema: upload, ttl: "10 m" })).toThrow(RangeError);
    expect(() => defineSessionStore(kit, { kind: "s", schema: upload, ttl: "25 h" })).toThrow(RangeError);
    expect(defineSessionStore(kit, { kind: "s", schema: upload }).ttlMs).toBe(15 * 60_000);
  });

  it("treats expired, unknown and malformed ids as clean misses (null), never stale data", async () => {
    const { id } = await uploads.create({ file: "b", parts: 1 });
    await raw.pexpire(kit.keys.session("upload", id), 100); // time passes: Redis expires it
    await sleep(200);
    expect(await uploads.read(id)).toBeNull();
    expect(await uploads.touch(id)).toBeNull(); // touch cannot resurrect it
    expect(await uploads.read(crypto.randomUUID())).toBeNull();
    expect(await uploads.read("../../etc:passwd*")).toBeNull();
  });

  it("slides the expiry on touch() and on read({ touch: true })", async () => {
    const { id } = await uploads.create({ file: "c", parts: 1 });
    const key = kit.keys.session("upload", id);
    await raw.pexpire(key, 5_000);
    const touched = await uploads.touch(id);
    expect(touched!.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await raw.pttl(key)).toBeGreaterThan(3_500_000);
    await raw.pexpire(key, 5_000);
    expect((await uploads.read(id))!.expiresAt).toBeLessThan(Date.now() + 6_000); // a plain read does not slide
    expect((await uploads.read(id, { touch: true }))!.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await raw.pttl(key)).toBeGreaterThan(3_500_000);
  });

  it("reports a stored record that no longer fits the schema as E_SESSION_CORRUPT", async () => {
    const { id } = await uploads.create({ file: "d", parts: 1 });
    const strict = defineSessionStore(kit, { kind: "upload", schema: z.object({ file: z.number() }), ttl: "1 h" });
    await expect(strict.read(id)).rejects.toMatchObject({ code: "E_SESSION_CORRUPT" });
  });

  it("fails closed when Redis fails: E_REDIS_UNAVAILABLE, not a miss that would lose an upload", async () => {
    const { id } = await uploads.create({ file: "e", parts: 1 });
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.json({ error: "down" }, { status: 502 })));
    for (const call of [uploads.read(id), uploads.touch(id), uploads.create({ file: "f", parts: 0 })]) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KitError);
      expect((error as KitError).code).toBe("E_REDIS_UNAVAILABLE");
    }
    msw.resetHandlers();
    expect((await uploads.read(id))?.data.file).toBe("e");
  });
});
