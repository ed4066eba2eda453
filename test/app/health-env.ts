/**
 * Health/metrics route tests: route handlers call getKit(), which reads process.env (lib/config/env-source.ts). These helpers
 * point that environment at a given REST endpoint and forget the memoised kit, restoring it afterwards.
 */
import { resetKitForTests } from "@/lib/kit-instance";

const NAMES = [
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "EDGE_KIT_KEY_PREFIX",
  "METRICS_TOKEN",
  "CRON_SECRET",
  "BACKEND_HEALTH_URL",
  "REDIS_BREAKER_THRESHOLD",
  "CACHE_FAIL_POLICY",
  "RATE_LIMIT_FAIL_POLICY",
] as const;

export type RouteEnv = Partial<Record<(typeof NAMES)[number], string>>;

/** Sets exactly `env` (the other kit variables unset) and resets the kit. Returns a restore function. */
export function useRouteEnv(env: RouteEnv): () => void {
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  for (const name of NAMES) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  resetKitForTests();
  return () => {
    for (const name of NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    resetKitForTests();
  };
}
