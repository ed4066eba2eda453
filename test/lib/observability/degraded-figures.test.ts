/**
 * A figure that could not be read is left out and named in `degraded`, never reported as 0: to
 * Prometheus a counter that drops to 0 is a reset (rate() and increase() then count the whole total
 * again). Real client, real upstash-local; msw only delays or refuses HTTP requests.
 */
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getCacheStats } from "@/lib/cache";
import { cacheHealthResponse, collectMetrics, readQueueStats, renderPrometheus, snapshotToFamilies } from "@/lib/observability";
import { createQueue, defineJobs } from "@/lib/queue";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const PIPELINE = `${target.url}/pipeline`;

const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

/** Holds every `/pipeline` request carrying `needle` for `ms`, then lets it through to the real server. */
function slowWhenBodyHas(needle: string, ms: number): void {
  msw.use(
    http.post(PIPELINE, async ({ request }) => {
      if ((await request.clone().text()).includes(needle)) await delay(ms);
      return passthrough();
    }),
  );
}

const cacheLines = (text: string) => text.split("\n").filter((l) => l.startsWith("edge_kit_cache_"));

describe("cache counters when their read degrades", () => {
  it("a slow HMGET (past getCacheStats' 300 ms budget) leaves the counters out instead of exporting zeros", async () => {
    // Generous client and snapshot budgets: only the cache's inner 300 ms budget may run out.
    const kit = createTestKit({ env: { REDIS_COMMAND_TIMEOUT_MS: "5000" } });
    const options = { keyCounts: false, queues: [], timeoutMs: 6000 } as const;
    await kit.redis!.hset(kit.keys.cacheStats(), { hit: 1000, miss: 250, stale: 0 });
    // Read as usual first. On a loaded machine the 300 ms read itself can run out (and is then left
    // out, as below): try a few times for one that answered.
    let before = await collectMetrics(kit, options);
    for (let i = 0; i < 5 && before.degraded.length > 0; i++) before = await collectMetrics(kit, options);
    expect(before.degraded).toEqual([]);
    expect(cacheLines(renderPrometheus(snapshotToFamilies(before)))).toEqual(
      expect.arrayContaining(["edge_kit_cache_hits_total 1000", "edge_kit_cache_misses_total 250"]),
    );

    // The reads issued with the HMGET share its request and wait too, within their budgets.
    slowWhenBodyHas('"hmget"', 1500);
    const s = await collectMetrics(kit, options);
    expect(s.degraded).toEqual(["cache: timeout"]);
    expect(s.cache).toMatchObject({ hits: null, misses: null, stale: null, hitRatePercent: null });
    const text = renderPrometheus(snapshotToFamilies(s));
    expect(cacheLines(text)).toEqual([]);
    expect(text).toContain('edge_kit_metrics_part_degraded{part="cache"} 1\n');
    // Every other part still answered.
    expect(s.redis.reachable).toBe(true);
    expect(s.rateLimit).not.toBeNull();
  });

  it("getCacheStats and /api/health/cache say unknown (null), not 0, and why", async () => {
    const kit = createTestKit();
    await kit.redis!.hset(kit.keys.cacheStats(), { hit: 7, miss: 1, stale: 0 });
    slowWhenBodyHas('"hmget"', 1500);
    expect(await getCacheStats(kit)).toMatchObject({ hits: null, misses: null, stale: null, hitRatePercent: null, countersUnread: "timeout" });
    const body = (await (await cacheHealthResponse(kit)).json()) as { stats: Record<string, unknown> };
    expect(body.stats).toMatchObject({ hits: null, misses: null, hit_rate_percent: null, redis_available: false });
  });

  it("with the circuit open the counters are unknown too (skipped, not zero)", async () => {
    const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "1", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
    kit.breaker!.onFailure();
    expect(await getCacheStats(kit)).toMatchObject({ hits: null, misses: null, countersUnread: "circuit-open" });
  });
});

describe("a defined queue that cannot be read", () => {
  it("is named in `unread` and its figures are left out, not zeros", async () => {
    // Read on its own: in a snapshot its request would also carry the PING (both write-class
    // commands, one auto-pipelined request), and the delay would take that down with it.
    const kit = createTestKit({ env: { REDIS_COMMAND_TIMEOUT_MS: "300", REDIS_BREAKER_THRESHOLD: "0" } });
    const queue = createQueue(kit, { name: "billing", jobs: defineJobs({}) });
    expect(await readQueueStats(kit, [queue])).toMatchObject({ value: [{ name: "billing", length: 0 }], unread: [] });

    slowWhenBodyHas(kit.keys.queueStream("billing"), 3000);
    expect(await readQueueStats(kit, [queue])).toEqual({ value: null, unread: ["billing: timeout"] });
  });
});
