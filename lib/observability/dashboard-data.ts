/**
 * The dashboard's data: one metrics snapshot reduced to aggregate numbers (no hostnames, tokens or
 * key names), plus the shared per-minute history. Taking it also records this minute's history sample,
 * so the trend lines fill in while anyone watches the dashboard (or a scraper reads the metrics).
 */
import type { Kit, KitMode } from "../kit";
import type { RouteDefinition, RoutePolicy } from "../policy";
import type { FamilyKeyCount } from "./key-counts";
import type { HealthStatus } from "./health";
import { degradedFeatures, type DegradedFeature } from "./degraded-features";
import { collectMetrics, type CollectMetricsOptions } from "./metrics-snapshot";
import type { CacheStats, QueueStats } from "./feature-stats";
import { readHistory, recordHistorySample, sampleFromSnapshot, type HistorySeries } from "./history";

export interface DashboardData {
  time: string;
  status: HealthStatus;
  mode: KitMode;
  redis: {
    latencyMs: number | null;
    opsPerSec: number | null;
    usedMemoryHuman: string | null;
    fragmentationRatio: number | null;
    connectedClients: number | null;
  };
  cache: CacheStats | null;
  rateLimit: { allowed: number; denied: number; degraded: number } | null;
  lock: { contended: number } | null;
  queues: Omit<QueueStats, "counts">[] | null;
  keys: FamilyKeyCount[] | null;
  degradedFeatures: DegradedFeature[];
  /** Parts that could not be read this time (`"info: timeout"`). */
  unreadable: string[];
  history: HistorySeries | null;
}

export interface BuildDashboardOptions {
  /** Key counts are the costliest part; re-count at most this often per instance. @default 15000 */
  keyCountsMaxAgeMs?: number;
  timeoutMs?: number;
  readers?: CollectMetricsOptions["readers"];
  /** The app's queues: the dashboard shows exactly these (see CollectMetricsOptions.queues). */
  queues?: CollectMetricsOptions["queues"];
  /** The app's route table (kit.config.ts), so `degradedFeatures` follows per-policy fail policies. */
  routes?: readonly RouteDefinition<RoutePolicy>[];
}

const keyCountMemo = new WeakMap<Kit, { at: number; families: FamilyKeyCount[] }>();

export async function buildDashboard(kit: Kit, options: BuildDashboardOptions = {}): Promise<DashboardData> {
  const { keyCountsMaxAgeMs = 15_000, timeoutMs = 1500 } = options;
  const memo = keyCountMemo.get(kit);
  const fresh = memo !== undefined && kit.clock.now() - memo.at < keyCountsMaxAgeMs;
  const snapshot = await collectMetrics(kit, {
    timeoutMs,
    keyCounts: fresh ? false : { maxPages: 5 },
    ...(options.readers ? { readers: options.readers } : {}),
    ...(options.queues ? { queues: options.queues } : {}),
  });
  if (snapshot.keys) keyCountMemo.set(kit, { at: kit.clock.now(), families: snapshot.keys.families });
  await recordHistorySample(kit, sampleFromSnapshot(snapshot));
  const history = await readHistory(kit);
  const info = snapshot.redis.info;
  const redisState = kit.mode === "memory" ? "memory" : snapshot.redis.reachable ? "up" : "down";
  return {
    time: snapshot.time,
    status: redisState === "up" ? (snapshot.degraded.length > 0 ? "warn" : "pass") : redisState === "memory" ? "warn" : "fail",
    mode: kit.mode,
    redis: {
      latencyMs: snapshot.redis.latencyMs,
      opsPerSec: info?.instantaneousOpsPerSec ?? null,
      usedMemoryHuman: info?.usedMemoryHuman ?? null,
      fragmentationRatio: info?.memFragmentationRatio ?? null,
      connectedClients: info?.connectedClients ?? null,
    },
    cache: snapshot.cache,
    rateLimit: snapshot.rateLimit && {
      allowed: snapshot.rateLimit.allowed,
      denied: snapshot.rateLimit.denied,
      degraded: snapshot.rateLimit.degraded,
    },
    lock: snapshot.lock && { contended: snapshot.lock.contended },
    queues: snapshot.queues && snapshot.queues.map(({ counts: _counts, ...q }) => q),
    keys: snapshot.keys?.families ?? keyCountMemo.get(kit)?.families ?? null,
    degradedFeatures: degradedFeatures(kit, redisState, options.routes),
    unreadable: snapshot.degraded,
    history,
  };
}
