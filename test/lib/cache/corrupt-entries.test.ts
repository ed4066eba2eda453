/**
 * An entry whose data cannot be decoded (an unknown codec tag, text that is not JSON — from another
 * version of the code, or written by hand) is a miss that the next fill overwrites. It used to throw
 * on every read until it expired: a 500 for every request of that key.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
const redis = kit.redis!;
afterEach(() => vi.restoreAllMocks());

/** Writes a valid entry, then replaces its codec text `d` in Redis (versions and times stay valid). */
async function corrupt(ns: string, key: string, d: string, tags: string[] = []) {
  await kit.cache.withNamespace(ns).set(key, "good", { ttl: "1 m", tags });
  const entryKey = kit.keys.cache(ns, key);
  const envelope = await redis.get<Record<string, unknown>>(entryKey);
  expect(envelope).toMatchObject({ k: "ek1", d: expect.any(String) });
  await redis.set(entryKey, { ...envelope, d }, { px: 60_000 });
}

describe("undecodable entries", () => {
  it.each([
    ["unknown codec tag", JSON.stringify({ $: "from-the-future", v: 1 })],
    ["d is not JSON", "{not json"],
    ["wrong payload shape", JSON.stringify({ $: "map", v: 42 })],
  ])("%s: lookup/get/mget answer miss, counted and logged once", async (_name, d) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const ns = `corrupt-${_name.replace(/\W+/g, "-")}`;
    await corrupt(ns, "k", d);
    const c = kit.cache.withNamespace(ns);
    const before = c.localState().corruptReads;
    expect(await c.lookup("k")).toMatchObject({ status: "miss", value: undefined, backend: "redis" });
    expect(await c.get("k")).toBeUndefined();
    expect(await c.mget(["k"])).toEqual([undefined]);
    expect(c.localState().corruptReads - before).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/unreadable/);
  });

  it("getOrSet loads and overwrites it; later reads hit", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await corrupt("corrupt-gos", "k", "{not json", ["corrupt-tag"]);
    const c = kit.cache.withNamespace("corrupt-gos");
    let calls = 0;
    const load = () => `fresh ${++calls}`;
    expect(await c.getOrSet("k", load, { tags: ["corrupt-tag"] })).toBe("fresh 1");
    expect(await c.getOrSet("k", load, { tags: ["corrupt-tag"] })).toBe("fresh 1");
    expect(await c.lookup("k")).toMatchObject({ status: "hit", value: "fresh 1" });
    expect(await redis.exists(`${kit.keys.cache("corrupt-gos", "k")}:lease`)).toBe(0);
  });

  it("fill.begin on an undecodable fresh entry takes the lease, so the route refills it", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await corrupt("corrupt-fill", "k", JSON.stringify({ $: "nope" }), ["corrupt-fill-tag"]);
    const c = kit.cache.withNamespace("corrupt-fill");
    const begun = await c.fill.begin("k", { tags: ["corrupt-fill-tag"] });
    expect(begun).toMatchObject({ status: "miss", proven: false, lease: { won: true } });
    expect(begun.lease!.ticket.split(".")).toHaveLength(3); // lease + namespace + tag tokens
    const stored = await c.fill.complete("k", "refilled", { ticket: begun.lease!.ticket, tags: ["corrupt-fill-tag"] });
    expect(stored).toMatchObject({ written: 1, backend: "redis" });
    expect(await c.get("k")).toBe("refilled");
  });
});
