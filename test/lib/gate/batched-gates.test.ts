/**
 * runGates with two-phase gates (issue 10): every gate is prepared, the reachable ones are issued in
 * one synchronous loop, decisions are taken in gate order, and the gates after a "respond" give back
 * what they took. The last block counts real HTTP requests against a private upstash-local, with the
 * same gates run one after another as the control (the cost the batching removes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheGate } from "@/lib/cache";
import { defineGate, deferCounts, flushDeferredCounts, FLUSH_EVERY_MS, runGates, type Gate, type GateContext, type GateOutcome } from "@/lib/gate";
import type { Kit } from "@/lib/kit";
import { readCounts } from "@/lib/observability";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { defineRateLimits, rateLimitGate } from "@/lib/ratelimit";
import { createTestKit } from "../../setup/kit";
import { collector, counted, loadScripts, startCountingServer, type CountingServer } from "./support";

function ctx(kit: Kit = createTestKit({ memory: true }), waitUntil: (p: Promise<unknown>) => void = () => undefined): GateContext {
  return { kit, request: new Request("http://localhost/api/x"), route: { name: "x", pattern: "/x", params: {}, policy: {} }, identity: { ip: null, userId: null }, waitUntil };
}

/** A two-phase gate that records what happens to it. */
function probe(name: string, log: string[], answer: GateOutcome, mode: "issue" | "decided" = "issue"): Gate {
  return defineGate(name, async () => {
    log.push(`prepare ${name}`);
    if (mode === "decided") return { kind: "decided", outcome: answer, used: () => void log.push(`used ${name}`) };
    return {
      kind: "issue",
      async issue() {
        log.push(`issue ${name}`);
        await Promise.resolve();
        return { decide: () => (log.push(`decide ${name}`), answer), discard: async () => void log.push(`discard ${name}`) };
      },
    };
  });
}

const go: GateOutcome = { action: "continue" };
const no = (status: number): GateOutcome => ({ action: "respond", response: new Response(null, { status }) });

describe("runGates with two-phase gates", () => {
  it("prepares all, issues all in one loop before any decision, decides in order", async () => {
    const log: string[] = [];
    const result = await runGates([probe("a", log, go), probe("b", log, go), probe("c", log, go)], ctx());
    expect(result.action).toBe("continue");
    expect(log).toEqual(["prepare a", "prepare b", "prepare c", "issue a", "issue b", "issue c", "decide a", "decide b", "decide c"]);
  });

  it("a respond decided in prepare (a cached denial) stops the later gates from being issued at all", async () => {
    const log: string[] = [];
    const result = await runGates([probe("a", log, go), probe("b", log, no(429), "decided"), probe("c", log, go)], ctx());
    expect(result.response?.status).toBe(429);
    expect(log).toEqual(["prepare a", "prepare b", "prepare c", "issue a", "decide a", "used b"]);
  });

  it("the first respond wins; later issued gates are discarded through waitUntil, never decided", async () => {
    const log: string[] = [];
    const bg = collector();
    const result = await runGates([probe("a", log, no(429)), probe("b", log, go), probe("c", log, no(409))], ctx(undefined, bg.waitUntil));
    await bg.drain();
    expect(result.response?.status).toBe(429);
    expect(log.filter((l) => !l.startsWith("prepare"))).toEqual(["issue a", "issue b", "issue c", "decide a", "discard b", "discard c"]);
    expect(bg.pending).toHaveLength(0);
  });

  it("a decided outcome that is never reached is not counted (`used` not called)", async () => {
    const log: string[] = [];
    await runGates([probe("a", log, no(429)), probe("b", log, no(400), "decided")], ctx());
    expect(log).not.toContain("used b");
  });

  it("a gate failing after an earlier refusal is discarded quietly; a failing deciding gate rethrows after discarding the rest", async () => {
    const log: string[] = [];
    const broken = defineGate("broken", async () => ({ kind: "issue", issue: () => Promise.reject(new Error("boom")) }));
    const refused = await runGates([probe("a", log, no(429)), broken], ctx());
    expect(refused.response?.status).toBe(429);
    await expect(runGates([broken, probe("b", log, go)], ctx())).rejects.toThrow("boom");
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toContain("discard b");
  });

  it("plain function gates still work, run only when reached", async () => {
    const calls: string[] = [];
    const plain: Gate = async () => (calls.push("plain"), { action: "continue", responseHeaders: new Headers({ "x-plain": "1" }) });
    const log: string[] = [];
    expect((await runGates([probe("a", log, go), plain], ctx())).responseHeaders.get("x-plain")).toBe("1");
    await runGates([probe("a", log, no(429)), plain], ctx());
    expect(calls).toEqual(["plain"]);
  });
});

describe("against Redis: one request for the batch, vs one per gate in turn", () => {
  let server: CountingServer;
  let kit: Kit;
  const rl = defineRateLimits({ countersFlushEvery: "1 h", denyList: false, policies: { reads: { algorithm: "sliding-window", limit: 100, window: "60 s", identity: "ip" } } });
  const table = createRouteTable(defineRoutes([{ pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { rateLimit: rl.use("reads"), cache: { ttl: "1 m" } } }]));
  beforeAll(async () => {
    server = await startCountingServer();
    kit = createTestKit({ url: server.url, token: server.token });
    await loadScripts(kit.redis!);
  });
  afterAll(() => server.close());

  const gateCtx = (id: string, waitUntil: (p: Promise<unknown>) => void): GateContext => ({
    kit,
    request: new Request(`http://localhost/api/items/${id}`),
    route: table.match("GET", `/items/${id}`)!,
    identity: { ip: "198.51.100.9", userId: null },
    waitUntil,
  });
  // The same gates without `prepare`: runGates runs them one after another (the pre-issue-10 path).
  const inTurn: Gate[] = [(c) => rateLimitGate(c), (c) => cacheGate(c)];

  it("a cache miss: batched 1 request; the same gates in turn 2", async () => {
    await counted(server, (w) => runGates([rateLimitGate, cacheGate], gateCtx("warm", w))); // the library's limiter script loads on first use
    const batched = await counted(server, (w) => runGates([rateLimitGate, cacheGate], gateCtx(crypto.randomUUID(), w)));
    const sequential = await counted(server, (w) => runGates(inTurn, gateCtx(crypto.randomUUID(), w)));
    expect(batched.value.responseHeaders.get("x-cache")).toBe("MISS");
    expect(sequential.value.responseHeaders.get("x-cache")).toBe("MISS");
    expect([batched.critical, sequential.critical]).toEqual([1, 2]);
    expect(batched.commands).toBe(sequential.commands);
  });
});

describe("deferred counts", () => {
  let server: CountingServer;
  beforeAll(async () => {
    server = await startCountingServer();
  });
  afterAll(() => server.close());

  it("are flushed at most once per interval, with whatever Redis call is issued in the same tick", async () => {
    let now = 1_000_000;
    const kit = createTestKit({ url: server.url, token: server.token, deps: { clock: { now: () => now } } });
    deferCounts(kit, "probe", { a: 1 });
    deferCounts(kit, "probe", { a: 2, b: 1 });
    expect(flushDeferredCounts(kit)).toBeUndefined(); // not due: one interval after the first count
    now += FLUSH_EVERY_MS;
    const r = await counted(server, async () => Promise.all([kit.redis!.set(`${kit.keys.prefix}:carrier`, 1), flushDeferredCounts(kit)]));
    expect([r.total, r.commands]).toEqual([1, 3]); // SET + HINCRBY a + HINCRBY b, one request
    expect(await readCounts(kit, "probe")).toEqual({ a: 3, b: 1 });
    expect(flushDeferredCounts(kit, { force: true })).toBeUndefined(); // nothing pending
  });

  it("are never flushed by a request that sends nothing else (a cached denial stays at zero)", async () => {
    let now = 2_000_000;
    const kit = createTestKit({ url: server.url, token: server.token, deps: { clock: { now: () => now } } });
    deferCounts(kit, "probe", { a: 1 });
    now += 10 * FLUSH_EVERY_MS;
    const decided = defineGate("decided", async () => ({ kind: "decided", outcome: no(429) }));
    const r = await counted(server, (w) => runGates([decided], { ...ctx(kit, w) }));
    expect(r.total).toBe(0);
  });
});
