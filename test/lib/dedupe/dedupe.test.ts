/**
 * lib/dedupe against the real server: per-id windows (not one set with one TTL), batch answers in
 * ONE HTTP round trip, atomic check-and-mark under concurrency, and the fail policy under faults.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TTLS } from "@/lib/keys";
import { createDedupe, MAX_DEDUPE_BATCH } from "@/lib/dedupe";
import { KitError } from "@/lib/errors";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
let requests = 0;
beforeAll(() => {
  msw.listen({ onUnhandledRequest: "error" });
  msw.events.on("request:start", ({ request }) => {
    if (request.url.startsWith(target.url)) requests++;
  });
});
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
const raw = testRedis();
let n = 0;
const scope = () => `scope-${++n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("mark()", () => {
  it("answers which ids are new and which repeat, in input order, a repeat within the batch included", async () => {
    const d = createDedupe(kit, { scope: scope() });
    expect(await d.mark(["a", "b", "a", "c"])).toEqual({ fresh: ["a", "b", "c"], duplicates: ["a"], shared: true, token: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(await d.mark(["c", "d", "b"])).toMatchObject({ fresh: ["d"], duplicates: ["c", "b"], shared: true });
    expect(await d.mark([])).toMatchObject({ fresh: [], duplicates: [], shared: true });
  });

  it("keeps scopes apart and encodes ids (':' '*' spaces cannot collide or glob)", async () => {
    const a = createDedupe(kit, { scope: scope() });
    const b = createDedupe(kit, { scope: scope() });
    expect((await a.mark(["x:1", "x*", "x 1"])).fresh).toEqual(["x:1", "x*", "x 1"]);
    expect((await b.mark(["x:1"])).fresh).toEqual(["x:1"]);
    expect((await a.mark(["x%3A1"])).fresh).toEqual(["x%3A1"]);
  });

  it("sends a batch of 2,000 ids (4 script calls) in ONE HTTP request", async () => {
    const d = createDedupe(kit, { scope: scope() });
    const ids = Array.from({ length: 2000 }, (_, i) => `permit-${i}`);
    await sleep(20); // let earlier fire-and-forget counter writes settle
    const before = requests;
    const result = await d.mark([...ids, "permit-7"]);
    expect(requests - before).toBe(1);
    expect(result.fresh).toHaveLength(2000);
    expect(result.duplicates).toEqual(["permit-7"]); // a repeat across chunks is caught too
    await expect(d.mark(Array.from({ length: MAX_DEDUPE_BATCH + 1 }, (_, i) => `${i}`))).rejects.toThrow(RangeError);
  });

  it("is atomic under concurrency: 20 racing calls over the same ids accept each id exactly once", async () => {
    const s = scope();
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
    const results = await Promise.all(Array.from({ length: 20 }, () => createDedupe(createTestKit({ env: { EDGE_KIT_KEY_PREFIX: kit.keys.prefix } }), { scope: s }).mark(ids)));
    const accepted = results.flatMap((r) => r.fresh).sort();
    expect(accepted).toEqual([...ids].sort());
  });
});

describe("per-id expiry", () => {
  it("defaults to 90 days per id, counted from first sight (a repeat does not extend it)", async () => {
    const s = scope();
    const d = createDedupe(kit, { scope: s });
    await d.mark(["p"]);
    const first = await raw.pttl(kit.keys.dedupe(s, "p"));
    expect(first).toBeGreaterThan(DEFAULT_TTLS.dedupe.seenSeconds * 1000 - 60_000);
    expect(first).toBeLessThanOrEqual(DEFAULT_TTLS.dedupe.seenSeconds * 1000);
    await raw.pexpire(kit.keys.dedupe(s, "p"), 50_000);
    await d.mark(["p"]);
    expect(await raw.pttl(kit.keys.dedupe(s, "p"))).toBeLessThanOrEqual(50_000);
  });

  it("forgets each id at its own time, not the whole set at once", async () => {
    const d = createDedupe(kit, { scope: scope(), ttl: "400 ms" });
    await d.mark(["early"]);
    await sleep(250);
    await d.mark(["late"]);
    await sleep(250); // early expired, late has ~150 ms left
    expect(await d.mark(["early", "late"])).toMatchObject({ fresh: ["early"], duplicates: ["late"] });
  });

  it("forget() lets ids be accepted again", async () => {
    const d = createDedupe(kit, { scope: scope() });
    await d.mark(["f1", "f2"]);
    expect(await d.forget(["f1", "nope"])).toBe(1);
    expect(await d.mark(["f1", "f2"])).toMatchObject({ fresh: ["f1"], duplicates: ["f2"] });
    expect(await d.markOne("f3")).toBe(true);
    expect(await d.markOne("f3")).toBe(false);
  });
});

describe("when Redis fails", () => {
  it("closed (default): throws E_REDIS_UNAVAILABLE and marks nothing", async () => {
    const s = scope();
    const d = createDedupe(kit, { scope: s });
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.json({ error: "down" }, { status: 500 })));
    const error = await d.mark(["q"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).code).toBe("E_REDIS_UNAVAILABLE");
    msw.resetHandlers();
    expect((await d.mark(["q"])).fresh).toEqual(["q"]);
  });

  it("open: every id answered fresh (in-batch repeats still caught) and the result says degraded", async () => {
    const d = createDedupe(kit, { scope: scope(), failPolicy: "open" });
    msw.use(http.post(`${target.url}/*`, () => HttpResponse.error()));
    expect(await d.mark(["a", "b", "a"])).toMatchObject({ fresh: ["a", "b"], duplicates: ["a"], degraded: "redis-error", shared: true });
  });
});

describe("memory mode", () => {
  it("remembers ids per instance and says it is not shared", async () => {
    const memoryKit = createTestKit({ memory: true });
    expect(await createDedupe(memoryKit, { scope: "m" }).mark(["a"])).toMatchObject({ fresh: ["a"], duplicates: [], shared: false });
    expect((await createDedupe(memoryKit, { scope: "m" }).mark(["a"])).duplicates).toEqual(["a"]);
  });
});
