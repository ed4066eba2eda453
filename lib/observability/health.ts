/**
 * Backend health in the IETF "Health Check Response Format for HTTP APIs" shape
 * (draft-inadarei-api-health-check-06, media type application/health+json): status pass|warn|fail,
 * and `checks` keyed "component:measurement", each an array of observations.
 */
import type { Kit } from "../kit";
import type { RouteDefinition, RoutePolicy } from "../policy";
import { guard } from "../resilience";
import { degradedFeatures, type DegradedFeature } from "./degraded-features";

export type HealthStatus = "pass" | "warn" | "fail";

export interface HealthObservation {
  componentId?: string;
  componentType: "datastore" | "component" | "system";
  observedValue?: number | string;
  observedUnit?: string;
  status: HealthStatus;
  time: string;
  output?: string;
}

export interface HealthReport {
  status: HealthStatus;
  description: string;
  checks: Record<string, HealthObservation[]>;
  notes?: string[];
  /**
   * Features not running on shared Redis state right now, each with what callers get instead (an
   * extension member; the draft allows any). Empty when everything is shared and healthy.
   */
  degradedFeatures?: DegradedFeature[];
}

export interface CheckHealthOptions {
  /** Budget for the Redis PING; the draft's readiness idea: answer well inside the caller's timeout. @default 300 */
  timeoutMs?: number;
  /** The app's route table (kit.config.ts), so `degradedFeatures` follows per-policy fail policies. */
  routes?: readonly RouteDefinition<RoutePolicy>[];
}

export const HEALTH_CONTENT_TYPE = "application/health+json";

/** PINGs Redis within the budget; never throws, never hangs past `timeoutMs`. */
export async function checkHealth(kit: Kit, options: CheckHealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 300;
  const time = new Date(kit.clock.now()).toISOString();
  if (!kit.redis) {
    return {
      status: "warn",
      description: "edge-kit backend",
      notes: ["No Redis configured: running on per-instance in-memory state; nothing is shared across instances."],
      degradedFeatures: degradedFeatures(kit, "memory", options.routes),
      checks: {
        "redis:connection": [{ componentType: "datastore", status: "warn", time, observedValue: "memory", output: "not configured" }],
      },
    };
  }
  const redis = kit.redis;
  const started = kit.clock.now();
  const result = await guard(async () => redis.ping(), {
    name: "health.ping",
    timeoutMs,
    failPolicy: "open",
    fallback: () => null,
  });
  const latencyMs = kit.clock.now() - started;
  const ok = !result.degraded && result.value === "PONG";
  const breakerState = kit.breaker?.state() ?? "disabled";
  const status: HealthStatus = !ok ? "fail" : breakerState === "closed" || breakerState === "disabled" ? "pass" : "warn";
  const observation: HealthObservation = {
    componentId: "upstash-redis",
    componentType: "datastore",
    observedValue: latencyMs,
    observedUnit: "ms",
    status: ok ? "pass" : "fail",
    time,
    ...(ok ? {} : { output: result.degraded ? `PING degraded: ${result.degraded}` : "unexpected PING reply" }),
  };
  const degraded = degradedFeatures(kit, ok && breakerState !== "open" ? "up" : "down", options.routes);
  return {
    status,
    description: "edge-kit backend",
    degradedFeatures: degraded,
    ...(degraded.length > 0 ? { notes: [`Redis unreachable: ${degraded.map(describeDegraded).join("; ")}.`] } : {}),
    checks: {
      "redis:responseTime": [observation],
      "redis:circuitBreaker": [
        { componentType: "component", observedValue: breakerState, status: breakerState === "open" ? "warn" : "pass", time },
      ],
    },
  };
}

function describeDegraded(d: DegradedFeature): string {
  return `${d.feature}${d.appliesTo ? ` (${d.appliesTo.join(", ")})` : ""} ${d.behaviour}`;
}

/** HTTP status the draft requires for a report: pass/warn → 200, fail → 503. */
export function healthHttpStatus(report: HealthReport): 200 | 503 {
  return report.status === "fail" ? 503 : 200;
}

/** When this module was loaded: the liveness report's uptime. */
const STARTED_AT = Date.now();

/**
 * Liveness: the process is up and serving. No I/O at all, by design — a liveness probe that checks a
 * dependency restarts healthy containers when the dependency blips (Kubernetes probe guidance,
 * runtime-facts §11); readiness (`checkHealth`) is where Redis is checked.
 */
export function checkLiveness(now: number = Date.now()): HealthReport {
  return {
    status: "pass",
    description: "edge-kit liveness",
    checks: {
      "process:uptime": [
        { componentType: "system", observedValue: Math.max(0, Math.round((now - STARTED_AT) / 1000)), observedUnit: "s", status: "pass", time: new Date(now).toISOString() },
      ],
    },
  };
}
