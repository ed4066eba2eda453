import { describe, expect, it } from "vitest";
import { lockFromCounts, renderPrometheus, snapshotToFamilies, type MetricsSnapshot } from "@/lib/observability";

const SNAPSHOT: MetricsSnapshot = {
  time: "2025-01-01T00:00:00.000Z",
  mode: "redis",
  redis: {
    reachable: true,
    latencyMs: 4,
    info: {
      redisVersion: "7.0.15", uptimeSeconds: 1, connectedClients: 2, usedMemoryBytes: 1024, usedMemoryHuman: "1K",
      maxMemoryBytes: 0, memFragmentationRatio: 1.5, totalCommandsProcessed: 99, instantaneousOpsPerSec: 3,
      keyspaceHits: 1, keyspaceMisses: 1, keyspaceHitRatePercent: 50, evictedKeys: null, expiredKeys: 0,
      keyspace: { db0: { keys: 7, expires: 2, avgTtlMs: 0 } },
    },
  },
  keys: { families: [{ family: "lock", count: 3, exact: true }] },
  rateLimit: { allowed: 10, denied: 2, degraded: 1, counts: { allowed: 10, limited: 2, "degraded.timeout": 1 } },
  cache: { hits: 6, misses: 2, stale: 0, hitRatePercent: 75, backend: "redis", memoryCacheSize: 0 },
  // The lock counter hash as lib/lock writes it: waitMs sums the milliseconds acquisitions waited.
  lock: lockFromCounts({ acquired: 9, contended: 4, waitMs: 1500 }),
  queues: [{ name: 'we"ird\\q', length: 5, pending: 1, lag: 4, delayed: 0, deadLetters: 2, counts: { enqueued: 5 } }],
  degraded: [],
};

describe("Prometheus text exposition 0.0.4", () => {
  const text = renderPrometheus(snapshotToFamilies(SNAPSHOT));

  it("writes HELP and TYPE before each family's samples and ends with a newline", () => {
    expect(text.endsWith("\n")).toBe(true);
    expect(text).toContain("# HELP edge_kit_redis_up 1 when Redis answered PING within the budget.\n# TYPE edge_kit_redis_up gauge\nedge_kit_redis_up 1\n");
    expect(text).toContain("# TYPE edge_kit_cache_hits_total counter\nedge_kit_cache_hits_total 6\n");
    expect(text).toContain("edge_kit_cache_hit_ratio 0.75\n");
    expect(text).toContain("edge_kit_redis_ping_seconds 0.004\n");
    expect(text).toContain('edge_kit_redis_db_keys{db="db0"} 7\n');
    expect(text).toContain('edge_kit_keys{family="lock",exact="true"} 3\n');
    expect(text).toContain('edge_kit_ratelimit_events_total{event="degraded.timeout"} 1\n');
    expect(text).toContain("edge_kit_lock_contended_total 4\n");
  });

  it("exports the lock wait as seconds in its own counter, never as an event", () => {
    expect(text).toContain("# TYPE edge_kit_lock_wait_seconds_total counter\nedge_kit_lock_wait_seconds_total 1.5\n");
    expect(text).toContain('edge_kit_lock_events_total{event="acquired"} 9\n');
    expect(text).not.toContain('event="waitMs"');
  });

  it("escapes label values (backslash, quote) as the format requires", () => {
    expect(text).toContain('edge_kit_queue_dead_letters{queue="we\\"ird\\\\q"} 2\n');
  });

  it("leaves out unknown figures instead of reporting zero", () => {
    expect(text).not.toContain("edge_kit_redis_evicted_keys_total");
    expect(text).not.toContain("edge_kit_metrics_part_degraded");
  });

  it("every sample line is `name{labels} value` with a numeric value", () => {
    for (const line of text.trimEnd().split("\n")) {
      if (line.startsWith("#")) expect(line).toMatch(/^# (HELP|TYPE) edge_kit_[a-z_]+ .+$/);
      else expect(line).toMatch(/^edge_kit_[a-z_]+(\{[^}]*\})? -?\d+(\.\d+)?(e-?\d+)?$/);
    }
  });

  it("leaves out counters that could not be read, and marks each degraded part once", () => {
    const degraded = renderPrometheus(
      snapshotToFamilies({
        ...SNAPSHOT,
        cache: { hits: null, misses: null, stale: null, hitRatePercent: null, backend: "memory", memoryCacheSize: 0 },
        degraded: ["cache: timeout", "queues: a: timeout", "queues: b: redis-error"],
      }),
    );
    expect(degraded).not.toMatch(/^edge_kit_cache_/m);
    expect(degraded.match(/^edge_kit_metrics_part_degraded.*$/gm)).toEqual([
      'edge_kit_metrics_part_degraded{part="cache"} 1',
      'edge_kit_metrics_part_degraded{part="queues"} 1',
    ]);
  });

  it("renders nothing for no samples", () => {
    expect(renderPrometheus([{ name: "x", help: "h", type: "gauge", samples: [] }])).toBe("");
  });
});
