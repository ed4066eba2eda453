/**
 * getOrSet against the real client and upstash-local: writes with captured versions also without a
 * lease, lease hand-over when the winner fails, forceFresh never answering with an older value, the
 * lease released on every failure, and a bounded in-process join. "Another instance" is a second kit
 * (its own client and single-flight map) on the same key prefix, or a lease taken by hand.
 */
import { describe, expect, it } from "vitest";
import { CacheSerializationError } from "@/lib/cache";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();
const redis = kit.redis!;
const otherInstance = () => createTestKit({ env: { EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
const leaseKey = (ns: string, key: string) => `${kit.keys.cache(ns, key)}:lease`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Rejects instead of hanging the file when `promise` does not settle within `ms`. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`did not settle within ${ms} ms`)))]);

describe("lease: false", () => {
  it("stores in a namespace and under a tag whose version keys do not exist yet", async () => {
    const c = kit.cache.withNamespace("nolease-fresh", { lease: false });
    let calls = 0;
    const load = () => ++calls;
    expect(await c.getOrSet("k", load, { tags: ["nolease-new-tag"] })).toBe(1);
    expect(await c.getOrSet("k", load, { tags: ["nolease-new-tag"] })).toBe(1);
    expect(calls).toBe(1);
    expect(await c.lookup("k", { tags: ["nolease-new-tag"] })).toMatchObject({ status: "hit", backend: "redis" });
  });

  it("stores again after a version key expired, and with forceFresh", async () => {
    const c = kit.cache.withNamespace("nolease-expired", { lease: false });
    await c.set("seed", 0);
    await redis.del(kit.keys.cacheNamespaceVersion("nolease-expired"));
    expect(await c.getOrSet("k", () => "a")).toBe("a");
    expect(await c.get("k")).toBe("a");
    expect(await c.getOrSet("k", () => "b", { forceFresh: true })).toBe("b");
    expect(await c.get("k")).toBe("b");
  });

  it("still refuses a value loaded before an invalidation", async () => {
    const c = kit.cache.withNamespace("nolease-race", { lease: false });
    const value = await c.getOrSet("k", async () => (await c.invalidateTags(["nolease-race-tag"]), "old"), { tags: ["nolease-race-tag"] });
    expect(value).toBe("old");
    expect((await c.lookup("k", { tags: ["nolease-race-tag"] })).status).toBe("miss");
  });
});

describe("stale refreshes in one process", () => {
  it.each([
    ["lease: false", false],
    ["the default lease", undefined],
  ] as const)("%s: reads while a refresh of the key runs do not start another loader", async (_name, lease) => {
    const c = kit.cache.withNamespace(`stale-once-${String(lease)}`, lease === false ? { lease: false } : {});
    const background: Promise<unknown>[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const load = async () => {
      calls++;
      await held; // the refresh is still running while the next reads come in
      return `v${calls}`;
    };
    await c.set("k", "v0", { ttl: "100 ms", staleWhileRevalidate: "1 m" });
    await sleep(150);
    const opts = { ttl: "1 m", staleWhileRevalidate: "1 m", waitUntil: (p: Promise<unknown>) => void background.push(p) } as const;
    // One after another (not joined in flight): each read is answered stale at once.
    for (let i = 0; i < 5; i++) expect(await c.getOrSet("k", load, opts)).toBe("v0");
    release();
    await Promise.all(background);
    expect(calls).toBe(1);
    expect(await c.get("k")).toBe("v1");
  });
});

describe("waiting for another instance's loader", () => {
  it("takes over at the next poll when the winner gives the lease back, instead of waiting out lease.wait", async () => {
    const c = kit.cache.withNamespace("handover");
    const winner = await c.fill.acquire("k"); // another instance is loading...
    expect(winner.won).toBe(true);
    const started = Date.now();
    const waiting = c.getOrSet("k", () => "loaded by the loser");
    await sleep(150);
    await c.fill.release("k", winner.ticket); // ...and its loader failed
    expect(await waiting).toBe("loaded by the loser");
    expect(Date.now() - started).toBeLessThan(1500); // lease.wait is 3 s
    expect(await c.lookup("k")).toMatchObject({ status: "hit", value: "loaded by the loser" }); // and it was stored
  });

  it("several waiting instances: one loads after the winner failed, the others get its value", async () => {
    const ns = "handover-many";
    const winner = await kit.cache.withNamespace(ns).fill.acquire("k");
    let loads = 0;
    const load = async () => {
      await sleep(200);
      return ++loads;
    };
    const waiting = [0, 1, 2, 3].map(() => otherInstance().cache.withNamespace(ns).getOrSet("k", load));
    await sleep(100);
    await kit.cache.withNamespace(ns).fill.release("k", winner.ticket);
    expect(await Promise.all(waiting)).toEqual([1, 1, 1, 1]);
    expect(loads).toBe(1);
  });

  it("forceFresh does not answer with the value that was cached before the call", async () => {
    const c = kit.cache.withNamespace("force-old", { lease: { wait: "400 ms" } });
    await c.set("k", "old");
    const holder = await c.fill.acquire("k"); // another instance holds the lease and never finishes
    expect(await c.getOrSet("k", () => "new", { forceFresh: true })).toBe("new");
    await c.fill.release("k", holder.ticket);
  });

  it("forceFresh takes a value the lease holder wrote after the call started", async () => {
    const c = kit.cache.withNamespace("force-new");
    await c.set("k", "old");
    const holder = await c.fill.acquire("k");
    let loads = 0;
    const waiting = c.getOrSet("k", () => `mine ${++loads}`, { forceFresh: true });
    await sleep(150);
    await c.fill.complete("k", "written by the holder", { ticket: holder.ticket });
    expect(await waiting).toBe("written by the holder");
    expect(loads).toBe(0);
  });
});

describe("the lease is released on every failure after winning it", () => {
  class Row {
    constructor(readonly id: number) {}
  }

  it("an unserializable value: CacheSerializationError, no lease left behind", async () => {
    const c = kit.cache.withNamespace("release-unserializable");
    await expect(c.getOrSet("k", () => new Row(1))).rejects.toBeInstanceOf(CacheSerializationError);
    expect(await redis.exists(leaseKey("release-unserializable", "k"))).toBe(0);
  });

  it("a value over maxValueBytes: E_CACHE_VALUE_TOO_LARGE, no lease left behind", async () => {
    const c = kit.cache.withNamespace("release-large", { maxValueBytes: 256 });
    await expect(c.getOrSet("k", () => "x".repeat(1000))).rejects.toMatchObject({ code: "E_CACHE_VALUE_TOO_LARGE" });
    expect(await redis.exists(leaseKey("release-large", "k"))).toBe(0);
  });
});

describe("in-process join is bounded by the lease ttl", () => {
  it("a loader that never settles does not hang later callers of the key", async () => {
    const c = kit.cache.withNamespace("hung", { lease: { ttl: "200 ms" } });
    void c.getOrSet("k", () => new Promise<string>(() => {})); // never settles
    await sleep(20);
    const joined = c.getOrSet("k", () => "joiner"); // joins, then gives up at the bound
    await sleep(250);
    const later = c.getOrSet("k", () => "later");
    expect(await within(joined, 3000)).toBe("joiner");
    expect(await within(later, 3000)).toBe("joiner"); // the joiner's value, stored by then
  });

  it("with lease: false the bound is the default lease ttl (5 s), not forever", async () => {
    const c = kit.cache.withNamespace("hung-nolease", { lease: false });
    void c.getOrSet("k", () => new Promise<string>(() => {}));
    await sleep(20);
    expect(await within(c.getOrSet("k", () => "joiner"), 8000)).toBe("joiner");
  }, 15_000);
});
