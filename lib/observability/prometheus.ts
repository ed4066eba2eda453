/**
 * Prometheus text exposition format 0.0.4, by hand (runtime-facts §12: prom-client is Node-only and
 * per-process; these numbers come from Redis and are the same on every instance).
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import type { MetricsSnapshot } from "./metrics-snapshot";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: { labels?: Record<string, string>; value: number }[];
}

/** Renders families as exposition text: `# HELP`, `# TYPE`, one line per sample, trailing newline. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    const samples = family.samples.filter((s) => Number.isFinite(s.value));
    if (samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const { labels, value } of samples) lines.push(`${family.name}${renderLabels(labels)} ${value}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function renderLabels(labels: Record<string, string> | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const pairs = Object.entries(labels).map(
    ([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, "_")}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`,
  );
  return `{${pairs.join(",")}}`;
}

/** The snapshot as metric families; absent figures are left out rather than reported as 0. */
export function snapshotToFamilies(s: MetricsSnapshot): MetricFamily[] {
  const p = "edge_kit";
  const info = s.redis.info;
  const one = (value: number | null | undefined) => (value === null || value === undefined ? [] : [{ value }]);
  const byField = (counts: Record<string, number> | undefined, label: string, extra: Record<string, string> = {}) =>
    Object.entries(counts ?? {}).map(([k, value]) => ({ labels: { ...extra, [label]: k }, value }));
  const queues = s.queues ?? [];
  const perQueue = (pick: (q: (typeof queues)[number]) => number | null) =>
    queues.flatMap((q) => one(pick(q)).map((x) => ({ ...x, labels: { queue: q.name } })));
  return [
    { name: `${p}_redis_up`, help: "1 when Redis answered PING within the budget.", type: "gauge", samples: [{ value: s.redis.reachable ? 1 : 0 }] },
    { name: `${p}_redis_ping_seconds`, help: "PING round trip through the REST endpoint.", type: "gauge", samples: one(s.redis.latencyMs === null ? null : s.redis.latencyMs / 1000) },
    { name: `${p}_redis_used_memory_bytes`, help: "Redis used_memory.", type: "gauge", samples: one(info?.usedMemoryBytes) },
    { name: `${p}_redis_max_memory_bytes`, help: "Redis maxmemory (0 = no limit).", type: "gauge", samples: one(info?.maxMemoryBytes) },
    { name: `${p}_redis_mem_fragmentation_ratio`, help: "Redis used_memory_rss / used_memory.", type: "gauge", samples: one(info?.memFragmentationRatio) },
    { name: `${p}_redis_connected_clients`, help: "Redis connected_clients.", type: "gauge", samples: one(info?.connectedClients) },
    { name: `${p}_redis_ops_per_second`, help: "Redis instantaneous_ops_per_sec.", type: "gauge", samples: one(info?.instantaneousOpsPerSec) },
    { name: `${p}_redis_commands_processed_total`, help: "Redis total_commands_processed.", type: "counter", samples: one(info?.totalCommandsProcessed) },
    { name: `${p}_redis_keyspace_hits_total`, help: "Redis keyspace_hits (server-wide key lookups that found a key).", type: "counter", samples: one(info?.keyspaceHits) },
    { name: `${p}_redis_keyspace_misses_total`, help: "Redis keyspace_misses.", type: "counter", samples: one(info?.keyspaceMisses) },
    { name: `${p}_redis_evicted_keys_total`, help: "Redis evicted_keys.", type: "counter", samples: one(info?.evictedKeys) },
    { name: `${p}_redis_db_keys`, help: "Keys per logical database (INFO keyspace).", type: "gauge", samples: Object.entries(info?.keyspace ?? {}).map(([db, e]) => ({ labels: { db }, value: e.keys })) },
    { name: `${p}_redis_db_expiring_keys`, help: "Keys with a TTL per logical database.", type: "gauge", samples: Object.entries(info?.keyspace ?? {}).map(([db, e]) => ({ labels: { db }, value: e.expires })) },
    { name: `${p}_keys`, help: "Kit keys per family (bounded SCAN; exact=\"false\" is a lower bound).", type: "gauge", samples: (s.keys?.families ?? []).map((f) => ({ labels: { family: f.family, exact: String(f.exact) }, value: f.count })) },
    { name: `${p}_ratelimit_allowed_total`, help: "Requests allowed by the rate limiter.", type: "counter", samples: one(s.rateLimit?.allowed) },
    { name: `${p}_ratelimit_denied_total`, help: "Requests refused (limited, blocked or unavailable).", type: "counter", samples: one(s.rateLimit?.denied) },
    { name: `${p}_ratelimit_degraded_total`, help: "Rate-limit decisions made without Redis's answer.", type: "counter", samples: one(s.rateLimit?.degraded) },
    { name: `${p}_ratelimit_events_total`, help: "Every rate-limit counter field.", type: "counter", samples: byField(s.rateLimit?.counts, "event") },
    { name: `${p}_cache_hits_total`, help: "Cache lookups served from the cache.", type: "counter", samples: one(s.cache?.hits) },
    { name: `${p}_cache_misses_total`, help: "Cache lookups that went to the source.", type: "counter", samples: one(s.cache?.misses) },
    { name: `${p}_cache_hit_ratio`, help: "Cache hits / lookups since the counters started.", type: "gauge", samples: one(s.cache?.hitRatePercent === null || s.cache?.hitRatePercent === undefined ? null : s.cache.hitRatePercent / 100) },
    { name: `${p}_lock_contended_total`, help: "Lock acquisitions that found the lock held by another owner (whether they then got it after waiting or gave up: notAcquired).", type: "counter", samples: one(s.lock?.contended) },
    // Seconds, Prometheus' base unit for time (https://prometheus.io/docs/practices/naming/#base-units).
    { name: `${p}_lock_wait_seconds_total`, help: "Time lock acquisitions spent waiting for a held lock.", type: "counter", samples: one(s.lock ? s.lock.waitMs / 1000 : null) },
    { name: `${p}_lock_events_total`, help: "Lock events by kind (acquired, contended, released, lost, …).", type: "counter", samples: byField(s.lock?.counts, "event") },
    { name: `${p}_queue_length`, help: "Entries in the queue stream.", type: "gauge", samples: perQueue((q) => q.length) },
    { name: `${p}_queue_pending`, help: "Delivered, not yet acked.", type: "gauge", samples: perQueue((q) => q.pending) },
    { name: `${p}_queue_lag`, help: "Entries not yet delivered to the consumer group.", type: "gauge", samples: perQueue((q) => q.lag) },
    { name: `${p}_queue_delayed`, help: "Jobs waiting for their retry time.", type: "gauge", samples: perQueue((q) => q.delayed) },
    { name: `${p}_queue_dead_letters`, help: "Entries in the dead-letter stream.", type: "gauge", samples: perQueue((q) => q.deadLetters) },
    { name: `${p}_queue_jobs_total`, help: "Queue throughput counters.", type: "counter", samples: queues.flatMap((q) => byField(q.counts, "event", { queue: q.name })) },
    // One sample per part: a part may list several unread figures ("queues: a: timeout", "queues: b: …").
    { name: `${p}_metrics_part_degraded`, help: "1 for each part of this scrape that could not be read, wholly or in part.", type: "gauge", samples: [...new Set(s.degraded.map((d) => d.split(":")[0]!))].map((part) => ({ labels: { part }, value: 1 })) },
  ];
}
