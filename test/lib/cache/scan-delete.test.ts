/**
 * invalidatePrefix on a keyspace larger than one call's reach: each call resumes from the cursor the
 * previous one returned (it used to restart at "0", so it never finished), and each SCAN + UNLINK step
 * has its own time budget (the whole loop used to share one, so a slow but working Redis was reported
 * degraded). Faults are injected with msw in front of the real upstash-local.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

/** Runs `reply` for every request to upstash-local that carries a SCAN command; others pass through. */
function onScan(reply: (n: number) => Promise<Response | undefined>) {
  let scans = 0;
  msw.use(
    http.post("*", async ({ request }) => {
      if (!request.url.startsWith(target.url)) return passthrough();
      if (!/"scan"/i.test(await request.clone().text())) return passthrough();
      return (await reply(++scans)) ?? passthrough();
    }),
  );
}

async function seed(kit: ReturnType<typeof createTestKit>, ns: string, matching: number, others: number) {
  const c = kit.cache.withNamespace(ns);
  await kit.cache.withNamespace(`${ns}-filler`).mset(Array.from({ length: others }, (_, i) => [`f${i}`, i] as const));
  await c.mset(Array.from({ length: matching }, (_, i) => [`doomed-${i}`, i] as const));
  await c.set("kept", 1);
  return c;
}

describe("invalidatePrefix resumes from its cursor", () => {
  it("repeated calls passing the cursor back finish a keyspace far larger than one call reaches", async () => {
    const kit = createTestKit();
    const c = await seed(kit, "scan-resume", 20, 400);
    const reach = { count: 10, maxIterations: 3 };
    const budget = Math.ceil((await kit.redis!.dbsize()) / (reach.count * reach.maxIterations)) * 4 + 20;
    let cursor: string | undefined;
    let deleted = 0;
    let calls = 0;
    let complete = false;
    let degraded = false;
    while (!complete && calls < budget) {
      const result = await c.invalidatePrefix("doomed-", { ...reach, ...(cursor ? { cursor } : {}) });
      calls++;
      expect(result.backend).toBe("redis");
      // A step that timed out on a busy machine may still have unlinked its keys: the count is then short.
      degraded ||= result.degraded !== undefined;
      deleted += result.deleted;
      complete = result.complete;
      cursor = result.cursor;
      if (!complete) expect(cursor).not.toBe("0");
    }
    expect(complete).toBe(true);
    expect(cursor).toBe("0");
    expect(calls).toBeGreaterThan(1);
    if (!degraded) expect(deleted).toBe(20);
    const doomed = Array.from({ length: 20 }, (_, i) => `doomed-${i}`);
    expect(await c.mget([...doomed, "kept"])).toEqual([...doomed.map(() => undefined), 1]);
  });

  it("a step that fails midway returns what was done, incomplete, with the cursor to resume from", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0" } });
    const c = await seed(kit, "scan-fault", 30, 300);
    onScan(async (n) => (n === 3 ? HttpResponse.json({ error: "upstash-local: Redis unavailable" }, { status: 500 }) : undefined));
    const first = await c.invalidatePrefix("doomed-", { count: 10, maxIterations: 1000 });
    expect(first).toMatchObject({ backend: "redis", degraded: "redis-error", complete: false, scanned: 2 });
    expect(first.cursor).not.toBe("0");
    msw.resetHandlers();
    const rest = await c.invalidatePrefix("doomed-", { count: 10, maxIterations: 1000, cursor: first.cursor });
    expect(rest).toMatchObject({ backend: "redis", complete: true, cursor: "0" });
    expect(rest.degraded).toBeUndefined();
    expect(first.deleted + rest.deleted).toBe(30);
  });

  it("each SCAN + UNLINK step has its own budget: a sweep longer than one budget is not 'degraded'", async () => {
    // Budget 1 s per operation; every SCAN takes 300 ms more: 5 steps ≥ 1.5 s in all.
    const kit = createTestKit({ env: { REDIS_COMMAND_TIMEOUT_MS: "1000" } });
    const c = await seed(kit, "scan-slow", 5, 0);
    onScan(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return undefined;
    });
    const started = Date.now();
    const result = await c.invalidatePrefix("doomed-", { count: 1, maxIterations: 5 });
    expect(Date.now() - started).toBeGreaterThan(1000); // longer than one budget: the point of the test
    expect(result).toMatchObject({ backend: "redis" });
    expect(result.degraded).toBeUndefined();
    expect(c.localState().degraded).toBeUndefined();
  });
});
