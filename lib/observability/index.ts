/**
 * lib/observability: health reports (health+json), Redis-backed counters shared by every instance,
 * INFO parsing, key counts by family (bounded SCAN), metrics snapshots, Prometheus text, and the
 * per-minute history the dashboard draws.
 */
export { checkHealth, checkLiveness, healthHttpStatus, HEALTH_CONTENT_TYPE } from "./health";
export { degradedFeatures } from "./degraded-features";
export type { HealthReport, HealthStatus, HealthObservation, CheckHealthOptions } from "./health";
export type { DegradedFeature } from "./degraded-features";
export { recordCounts, readCounts } from "./counters";
export type { CounterFields } from "./counters";
export { parseRedisInfo, summarizeRedisInfo, hitRatePercent } from "./redis-info";
export type { RedisInfoSections, RedisInfoSummary, KeyspaceEntry } from "./redis-info";
export { countKeysByFamily, scanKeys } from "./key-counts";
export type { FamilyKeyCount, KeyCountOptions, ScanKeysResult } from "./key-counts";
export { defaultStatsReaders, rateLimitFromCounts, fromCacheFeature, lockFromCounts, describeDegraded } from "./feature-stats";
export type { StatsReaders, Reading, RateLimitStats, CacheStats, LockStats, QueueStats, Counts } from "./feature-stats";
export { readQueueStats } from "./queue-stats";
export type { QueueSource } from "./queue-stats";
export { collectMetrics } from "./metrics-snapshot";
export type { MetricsSnapshot, CollectMetricsOptions } from "./metrics-snapshot";
export { renderPrometheus, snapshotToFamilies, PROMETHEUS_CONTENT_TYPE } from "./prometheus";
export type { MetricFamily, MetricType } from "./prometheus";
export { recordHistorySample, readHistory, sampleFromSnapshot, toSeries } from "./history";
export type { HistorySample, HistorySeries } from "./history";
export { buildDashboard } from "./dashboard-data";
export type { DashboardData } from "./dashboard-data";
export {
  healthzResponse,
  livenessResponse,
  healthProxyResponse,
  cacheHealthResponse,
  redisHealthResponse,
  metricsResponse,
  dashboardResponse,
  wantsPrometheus,
  HEALTH_PROXY_HEADER,
} from "./http-endpoints";
export type { HealthProxyOptions, MetricsEndpointOptions } from "./http-endpoints";
