/**
 * The observability endpoints as plain `(kit, request) → Response` functions, so Next route handlers
 * (app/…/route.ts) and any other runtime (Hono, a Worker) serve identical responses. Every body is
 * built from aggregate numbers only: no hostnames, URLs, tokens or key names ever leave through here.
 */
import type { Kit } from "../kit";
import { guard } from "../resilience";
import { problemResponse, PROBLEM_TYPES, verifyBearer } from "../http";
import { getCacheStats } from "../cache";
import { checkHealth, checkLiveness, healthHttpStatus, HEALTH_CONTENT_TYPE, type CheckHealthOptions, type HealthStatus } from "./health";
import { collectMetrics, type CollectMetricsOptions } from "./metrics-snapshot";
import { parseRedisInfo, summarizeRedisInfo } from "./redis-info";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, snapshotToFamilies } from "./prometheus";
import { recordHistorySample, sampleFromSnapshot } from "./history";
import { buildDashboard, type BuildDashboardOptions } from "./dashboard-data";

const NO_STORE = { "cache-control": "no-store" } as const;

function json(body: unknown, status = 200, contentType = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": contentType, ...NO_STORE } });
}

/**
 * `GET /healthz`: readiness with the Redis PING (300 ms budget), health+json, 200 or 503. `routes`
 * (kit.config.ts) makes `degradedFeatures` follow per-policy fail policies.
 */
export async function healthzResponse(kit: Kit, timeoutMs = 300, routes?: CheckHealthOptions["routes"]): Promise<Response> {
  const report = await checkHealth(kit, { timeoutMs, ...(routes ? { routes } : {}) });
  return json(report, healthHttpStatus(report), HEALTH_CONTENT_TYPE);
}

/** `GET /healthz/live`: liveness, no I/O. */
export function livenessResponse(): Response {
  return json(checkLiveness(), 200, HEALTH_CONTENT_TYPE);
}

/** Marks a health request forwarded by this proxy, so a BACKEND_HEALTH_URL pointing back here cannot loop. */
export const HEALTH_PROXY_HEADER = "x-edge-kit-health-proxy";

export interface HealthProxyOptions {
  /** Budget for the backend's answer. @default 1000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * `GET /api/health`: the frontend's view. Forwards to `BACKEND_HEALTH_URL` when set (short timeout),
 * otherwise checks in process, and answers `{ status }` only: the backend's body, its address and any
 * Redis detail stay server-side (a public page must not map the infrastructure).
 */
export async function healthProxyResponse(kit: Kit, request: Request, options: HealthProxyOptions = {}): Promise<Response> {
  const { timeoutMs = 1000, fetch: fetchImpl = globalThis.fetch } = options;
  const target = kit.config.backendHealthUrl;
  let status: HealthStatus;
  if (target === null || request.headers.has(HEALTH_PROXY_HEADER)) {
    status = (await checkHealth(kit, { timeoutMs: Math.min(timeoutMs, 300) })).status;
  } else {
    status = await fetchImpl(target, {
      headers: { accept: `${HEALTH_CONTENT_TYPE}, application/json`, [HEALTH_PROXY_HEADER]: "1" },
      signal: AbortSignal.timeout(timeoutMs),
      cache: "no-store",
      redirect: "manual",
    }).then(backendStatus, (err: unknown) => {
      // Not Redis (no guard): the backend did not answer in time or refused the connection. Logged
      // server-side with the reason; the client only learns "fail".
      console.warn(`[edge-kit] BACKEND_HEALTH_URL did not answer: ${err instanceof Error ? err.name : "error"}`);
      return "fail" as const;
    });
  }
  return json({ status }, status === "fail" ? 503 : 200, HEALTH_CONTENT_TYPE);
}

async function backendStatus(res: Response): Promise<HealthStatus> {
  const body: unknown = await res.json().then(
    (b: unknown) => b,
    () => null,
  );
  const reported = typeof body === "object" && body !== null ? (body as { status?: unknown }).status : undefined;
  // The draft's aliases (ok/up, error/down) are accepted too; the HTTP status decides when the body does not.
  if (reported === "pass" || reported === "ok" || reported === "up") return res.ok ? "pass" : "fail";
  if (reported === "warn") return res.ok ? "warn" : "fail";
  if (reported === "fail" || reported === "error" || reported === "down") return "fail";
  return res.ok ? "pass" : "fail";
}

/** `GET /api/health/cache`: cache backend and the hit/miss stats shared by every instance. */
export async function cacheHealthResponse(kit: Kit, timeoutMs = 300): Promise<Response> {
  const started = kit.clock.now();
  const stats = await getCacheStats(kit, { timeoutMs });
  const latencyMs = kit.clock.now() - started;
  const redisAvailable = stats.backend === "redis";
  // Memory fallback is a working cache (fail open): warn. Fail-closed without Redis means cached routes answer 503: fail.
  const status: HealthStatus = redisAvailable ? "pass" : kit.config.cache.failPolicy === "open" || kit.mode === "memory" ? "warn" : "fail";
  return json(
    {
      status,
      backend: stats.backend,
      latency_ms: latencyMs,
      stats: {
        // null, not 0, when the shared counters could not be read (status says why).
        hits: stats.hits === null || stats.stale === null ? null : stats.hits + stats.stale,
        misses: stats.misses,
        hit_rate_percent: stats.hitRatePercent,
        redis_available: redisAvailable,
        memory_cache_size: stats.memoryEntries,
      },
    },
    status === "fail" ? 503 : 200,
  );
}

/** `GET /api/health/redis`: `{ enabled, info }` with four INFO figures and nothing more. */
export async function redisHealthResponse(kit: Kit, timeoutMs = 500): Promise<Response> {
  const redis = kit.redis;
  if (!redis) return json({ enabled: false, info: null });
  const { value } = await guard(async () => summarizeRedisInfo(parseRedisInfo(String(await redis.exec<string>(["INFO"])))), {
    name: "health.redis-info",
    timeoutMs,
    failPolicy: "open",
    fallback: () => null,
    clock: kit.clock,
  });
  const info = value && {
    total_commands_processed: value.totalCommandsProcessed,
    instantaneous_ops_per_sec: value.instantaneousOpsPerSec,
    used_memory_human: value.usedMemoryHuman,
    connected_clients: value.connectedClients,
  };
  return json({ enabled: true, info }, info ? 200 : 503);
}

/** Content negotiation of the metrics endpoint: Prometheus text when asked, JSON otherwise. */
export function wantsPrometheus(request: Request): boolean {
  const url = new URL(request.url);
  const format = url.searchParams.get("format");
  if (format !== null) return format === "prometheus" || format === "text";
  const accept = request.headers.get("accept") ?? "";
  // Prometheus scrapers send `text/plain;version=0.0.4` or OpenMetrics first with text/plain as fallback.
  return /(^|,)\s*(text\/plain|application\/openmetrics-text)/i.test(accept) && !/^\s*application\/json/i.test(accept);
}

/** What the metrics and dashboard endpoints read besides the kit: the app's queues (see CollectMetricsOptions). */
export type MetricsEndpointOptions = Pick<CollectMetricsOptions, "queues">;

/**
 * `GET /api/admin/redis/metrics`: `Authorization: Bearer $METRICS_TOKEN` (constant-time check), 401
 * problem+json otherwise. JSON snapshot by default; Prometheus text for `Accept: text/plain` or `?format=prometheus`.
 */
export async function metricsResponse(kit: Kit, request: Request, options: MetricsEndpointOptions = {}): Promise<Response> {
  if (!(await verifyBearer(request.headers.get("authorization"), kit.config.metricsToken))) {
    return problemResponse(
      {
        type: PROBLEM_TYPES.unauthorized,
        title: "Unauthorized",
        status: 401,
        detail:
          kit.config.metricsToken === null
            ? "METRICS_TOKEN is not configured: the metrics endpoint refuses every request"
            : "Send Authorization: Bearer <METRICS_TOKEN>",
      },
      { headers: { "www-authenticate": 'Bearer realm="metrics"' } },
    );
  }
  const snapshot = await collectMetrics(kit, options);
  // Each scrape also feeds the dashboard's shared per-minute history.
  await recordHistorySample(kit, sampleFromSnapshot(snapshot));
  if (wantsPrometheus(request)) {
    return new Response(renderPrometheus(snapshotToFamilies(snapshot)), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, ...NO_STORE },
    });
  }
  return json(snapshot);
}

/** `GET /api/dashboard`: the dashboard's aggregate numbers; no secret required, none exposed. */
export async function dashboardResponse(kit: Kit, options: Pick<BuildDashboardOptions, "queues" | "routes"> = {}): Promise<Response> {
  return json(await buildDashboard(kit, options));
}

