/**
 * The only place in the project that touches `process.env`.
 *
 * Every variable is read by its literal name on purpose: Next.js inlines only statically written
 * `process.env.NAME` into edge bundles, so a loop over names (or `{ ...process.env }`) would see
 * nothing there. Add a variable to the schema → add its line here (a test checks both lists match).
 * On runtimes without `process` (Cloudflare Workers without nodejs_compat) pass the platform's env
 * bindings to `loadConfig` directly instead.
 */
import { ENV_VAR_NAMES, type EnvVarName } from "./schema";

// Declared here, for this module only: lib/ then type-checks without @types/node (a Workers tsconfig
// built on @cloudflare/workers-types), and where Node's types are present this shadows them harmlessly.
declare const process: { env: Record<string, string | undefined> } | undefined;

/** Raw values of every variable the kit reads; `undefined` where unset or where `process` is absent. */
export function readEnv(): Record<EnvVarName, string | undefined> {
  const hasProcess = typeof process !== "undefined" && typeof process.env === "object";
  if (!hasProcess) return emptyEnv();
  return {
    NODE_ENV: process.env.NODE_ENV,
    UPSTASH_REDIS_REST_URL: process.env.UPSTASH_REDIS_REST_URL,
    UPSTASH_REDIS_REST_TOKEN: process.env.UPSTASH_REDIS_REST_TOKEN,
    KV_REST_API_URL: process.env.KV_REST_API_URL,
    KV_REST_API_TOKEN: process.env.KV_REST_API_TOKEN,
    EDGE_KIT_KEY_PREFIX: process.env.EDGE_KIT_KEY_PREFIX,
    REDIS_COMMAND_TIMEOUT_MS: process.env.REDIS_COMMAND_TIMEOUT_MS,
    REDIS_RETRIES: process.env.REDIS_RETRIES,
    REDIS_COALESCE_IN_FLIGHT: process.env.REDIS_COALESCE_IN_FLIGHT,
    RATE_LIMIT_TIMEOUT_MS: process.env.RATE_LIMIT_TIMEOUT_MS,
    RATE_LIMIT_FAIL_POLICY: process.env.RATE_LIMIT_FAIL_POLICY,
    CACHE_FAIL_POLICY: process.env.CACHE_FAIL_POLICY,
    IDEMPOTENCY_FAIL_POLICY: process.env.IDEMPOTENCY_FAIL_POLICY,
    REDIS_BREAKER_THRESHOLD: process.env.REDIS_BREAKER_THRESHOLD,
    REDIS_BREAKER_COOLDOWN_MS: process.env.REDIS_BREAKER_COOLDOWN_MS,
    USE_REDIS_QUEUE: process.env.USE_REDIS_QUEUE,
    METRICS_TOKEN: process.env.METRICS_TOKEN,
    CRON_SECRET: process.env.CRON_SECRET,
    TRUST_PROXY: process.env.TRUST_PROXY,
    APP_ORIGIN: process.env.APP_ORIGIN,
    BACKEND_HEALTH_URL: process.env.BACKEND_HEALTH_URL,
    VERCEL: process.env.VERCEL,
    EDGE_KIT_ALLOW_MEMORY_MODE: process.env.EDGE_KIT_ALLOW_MEMORY_MODE,
  };
}

/**
 * `EDGE_KIT_SKIP_CONFIG_VALIDATION=1` lets `next build` run without the production variables (e.g. a
 * build image that receives its secrets only at runtime). Read by next.config.ts only: the app
 * itself still validates when it first loads its config.
 */
export function isConfigValidationSkipped(): boolean {
  if (typeof process === "undefined" || typeof process.env !== "object") return false;
  return process.env.EDGE_KIT_SKIP_CONFIG_VALIDATION === "1";
}

function emptyEnv(): Record<EnvVarName, string | undefined> {
  return Object.fromEntries(ENV_VAR_NAMES.map((name) => [name, undefined])) as Record<EnvVarName, string | undefined>;
}
