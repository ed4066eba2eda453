/**
 * Environment → frozen KitConfig, once, at the boundary. Throws one ConfigError listing every bad
 * variable (per-variable problems and the rules that span variables), so a deploy is fixed in one go.
 */
import { ConfigError } from "../errors";
import { ENV_PARSERS, ENV_VAR_NAMES, type EnvVarName, type KitConfig, type ParsedEnv, type RedisConfig } from "./schema";

/** `process.env`, a Workers `env` binding object, or a test's literal: extra keys are ignored. */
export type EnvInput = Readonly<Record<string, string | undefined>>;

type Values = Partial<ParsedEnv>;

/** The bearer secrets of the Next node routes: /api/admin/redis/metrics and /api/queue/consume. */
export type EndpointSecret = "METRICS_TOKEN" | "CRON_SECRET";

export interface LoadConfigOptions {
  /**
   * Secrets production refuses to start without, because this deployment serves their endpoints.
   * A host that serves neither (edge/worker.ts: the Hono app only) passes `[]`; the endpoints still
   * refuse every call while their secret is unset (fail closed).
   * @default ["METRICS_TOKEN", "CRON_SECRET"]
   */
  requiredSecrets?: readonly EndpointSecret[];
}

const SECRET_PURPOSE: Readonly<Record<EndpointSecret, string>> = {
  METRICS_TOKEN: "bearer token of GET /api/admin/redis/metrics",
  CRON_SECRET: "authenticates Vercel Cron calls to /api/queue/consume",
};

/** Hosts for which plain http is accepted even in production (`next start` against upstash-local). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The marketplace names are a fallback: a project carrying both pairs means UPSTASH_* deliberately. */
const REDIS_PAIRS = [
  { source: "UPSTASH_REDIS_REST", url: "UPSTASH_REDIS_REST_URL", token: "UPSTASH_REDIS_REST_TOKEN" },
  { source: "KV_REST_API", url: "KV_REST_API_URL", token: "KV_REST_API_TOKEN" },
] as const;

type RedisResolution =
  | { kind: "none" }
  | { kind: "invalid" }
  | { kind: "ok"; redis: RedisConfig; urlVar: EnvVarName };

/**
 * Validate `env` and return the typed, deep-frozen config.
 * Values are trimmed and empty strings count as unset (dashboards make "set but empty" easy).
 * @throws ConfigError with one line per bad variable; values are never echoed.
 * @example const config = loadConfig(readEnv());
 */
export function loadConfig(env: EnvInput, options: LoadConfigOptions = {}): Readonly<KitConfig> {
  const raw = normalizeEnv(env);
  const values: Values = {};
  const issues: string[] = [];

  for (const name of ENV_VAR_NAMES) {
    const result = ENV_PARSERS[name](raw[name]);
    if (result.ok) (values as Record<string, unknown>)[name] = result.value;
    else issues.push(`${name}: ${result.message}`);
  }

  const redis = resolveRedis(raw, values, issues);
  if (values.NODE_ENV === "production") {
    checkProduction(values, redis, issues);
    for (const name of options.requiredSecrets ?? ["METRICS_TOKEN", "CRON_SECRET"]) {
      if (raw[name] === undefined) issues.push(`${name}: required in production (${SECRET_PURPOSE[name]})`);
    }
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(buildConfig(values as ParsedEnv, redis.kind === "ok" ? redis.redis : null));
}

function normalizeEnv(env: EnvInput): Partial<Record<EnvVarName, string>> {
  const out: Partial<Record<EnvVarName, string>> = {};
  for (const name of ENV_VAR_NAMES) {
    const value = env[name]?.trim();
    if (value) out[name] = value;
  }
  return out;
}

/** Picks one credential pair; a URL without its token (or the reverse) is an error, never a guess. */
function resolveRedis(raw: Partial<Record<EnvVarName, string>>, values: Values, issues: string[]): RedisResolution {
  const pair = REDIS_PAIRS.find((p) => raw[p.url] !== undefined || raw[p.token] !== undefined);
  if (pair === undefined) return { kind: "none" };

  const other = REDIS_PAIRS.find((p) => p !== pair)!;
  for (const [missing, present, otherHalf] of [
    [pair.url, pair.token, other.url],
    [pair.token, pair.url, other.token],
  ] as const) {
    if (raw[missing] !== undefined) continue;
    // Mixing halves of two pairs could pair one database's URL with another's token.
    const hint = raw[otherHalf] !== undefined ? `; ${otherHalf} is not combined with ${present}` : "";
    issues.push(`${missing}: missing while ${present} is set (URL and token come together${hint})`);
    return { kind: "invalid" };
  }

  const url = values[pair.url];
  const token = values[pair.token];
  if (url === undefined || token === undefined) return { kind: "invalid" }; // already reported as malformed
  return { kind: "ok", redis: { url, token, source: pair.source }, urlVar: pair.url };
}

function checkProduction(values: Values, redis: RedisResolution, issues: string[]): void {
  if (redis.kind === "none" && values.EDGE_KIT_ALLOW_MEMORY_MODE === false) {
    issues.push(
      "UPSTASH_REDIS_REST_URL: required in production, with UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_URL/KV_REST_API_TOKEN); " +
        "set EDGE_KIT_ALLOW_MEMORY_MODE=true to run on per-instance memory instead (nothing shared between instances)",
    );
  }
  if (redis.kind === "ok") {
    const { protocol, hostname } = new URL(redis.redis.url);
    // The token travels in a header on every call: plain http is only acceptable on this machine.
    if (protocol !== "https:" && !LOOPBACK_HOSTS.has(hostname)) {
      issues.push(`${redis.urlVar}: must be an https:// URL in production (http:// only for localhost, 127.0.0.1 or [::1])`);
    }
  }
}

function buildConfig(v: ParsedEnv, redis: RedisConfig | null): KitConfig {
  return {
    env: v.NODE_ENV,
    redis,
    keyPrefix: v.EDGE_KIT_KEY_PREFIX,
    redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
    redisRetries: v.REDIS_RETRIES,
    redisCoalesceInFlight: v.REDIS_COALESCE_IN_FLIGHT,
    breaker:
      v.REDIS_BREAKER_THRESHOLD === 0
        ? false
        : { threshold: v.REDIS_BREAKER_THRESHOLD, cooldownMs: v.REDIS_BREAKER_COOLDOWN_MS },
    rateLimit: { timeoutMs: v.RATE_LIMIT_TIMEOUT_MS, failPolicy: v.RATE_LIMIT_FAIL_POLICY },
    cache: { failPolicy: v.CACHE_FAIL_POLICY },
    idempotency: { failPolicy: v.IDEMPOTENCY_FAIL_POLICY },
    useRedisQueue: v.USE_REDIS_QUEUE,
    metricsToken: v.METRICS_TOKEN ?? null,
    cronSecret: v.CRON_SECRET ?? null,
    // Behind Vercel's edge the forwarded headers are set by the platform; elsewhere they are client input.
    trustProxy: v.TRUST_PROXY ?? v.VERCEL !== undefined,
    revalidationOrigin: v.APP_ORIGIN !== undefined ? new URL(v.APP_ORIGIN).origin : v.NODE_ENV !== "production" || v.VERCEL !== undefined ? "request" : null,
    backendHealthUrl: v.BACKEND_HEALTH_URL ?? null,
    allowMemoryMode: v.EDGE_KIT_ALLOW_MEMORY_MODE,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * One line for startup logs and banners: every field by its KitConfig name, tokens reduced to
 * "set"/"unset", URLs to their origin (credentials, path and query may carry secrets).
 * @example describeConfig(config)
 * // "env: production, redis: https://eu1-xyz.upstash.io (UPSTASH_REDIS_REST), keyPrefix: kit, …"
 */
export function describeConfig(config: KitConfig): string {
  const fields: Record<keyof KitConfig, string | number | boolean> = {
    env: config.env,
    redis: config.redis ? `${origin(config.redis.url)} (${config.redis.source})` : "none (in-memory mode)",
    keyPrefix: config.keyPrefix,
    redisCommandTimeoutMs: config.redisCommandTimeoutMs,
    redisRetries: config.redisRetries,
    redisCoalesceInFlight: config.redisCoalesceInFlight === 0 ? "off" : `join pipelines past ${config.redisCoalesceInFlight} in flight`,
    breaker: config.breaker
      ? `opens after ${config.breaker.threshold} failures for ${config.breaker.cooldownMs} ms`
      : "off",
    rateLimit: `fail ${config.rateLimit.failPolicy} after ${config.rateLimit.timeoutMs} ms`,
    cache: `fail ${config.cache.failPolicy}`,
    idempotency: `fail ${config.idempotency.failPolicy}`,
    useRedisQueue: config.useRedisQueue,
    metricsToken: config.metricsToken === null ? "unset" : "set",
    cronSecret: config.cronSecret === null ? "unset" : "set",
    trustProxy: config.trustProxy,
    revalidationOrigin: config.revalidationOrigin === null ? "none (STALE entries not revalidated: set APP_ORIGIN)" : config.revalidationOrigin === "request" ? "the request's own origin" : config.revalidationOrigin,
    backendHealthUrl: config.backendHealthUrl === null ? "none" : origin(config.backendHealthUrl),
    allowMemoryMode: config.allowMemoryMode,
  };
  return Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join(", ");
}

/** `protocol//host[:port]`: drops user:password@, path and query. */
function origin(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol}//${host}`;
}
