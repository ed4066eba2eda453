/**
 * The one schema of every environment variable the kit reads, and the typed config it becomes.
 *
 * Each variable has its own zod schema so `loadConfig` can parse them one by one and report every bad
 * variable at once (an object schema stops at nothing, but it also hides the partial result the
 * cross-variable rules need). Every message is written here, by hand, and never contains the value:
 * a token pasted into the wrong variable must not end up in a build log.
 */
// zod/mini: the same validation with a tree-shakeable functional API. This module is in the edge
// middleware bundle, where the classic API's method chains cost ~15 kB gzip (issue 9 bundle budget).
import { z } from "zod/mini";

/** `local` = a bounded per-instance stand-in while Redis is down (rate limiting only). */
export type FailPolicy = "open" | "closed" | "local";

export type RuntimeEnv = "development" | "test" | "production";

/** Where the Redis REST credentials came from; `KV_REST_API` is the Vercel marketplace naming. */
export type RedisSource = "UPSTASH_REDIS_REST" | "KV_REST_API";

export interface RedisConfig {
  readonly url: string;
  readonly token: string;
  readonly source: RedisSource;
}

/** The validated, frozen configuration every feature is built from. Read it, never `process.env`. */
export interface KitConfig {
  readonly env: RuntimeEnv;
  /** `null` = no Redis configured: degraded in-memory mode (nothing shared between instances). */
  readonly redis: RedisConfig | null;
  readonly keyPrefix: string;
  readonly redisCommandTimeoutMs: number;
  readonly redisRetries: number;
  /** `false` when `REDIS_BREAKER_THRESHOLD=0`. */
  readonly breaker: false | { readonly threshold: number; readonly cooldownMs: number };
  readonly rateLimit: { readonly timeoutMs: number; readonly failPolicy: FailPolicy };
  readonly cache: { readonly failPolicy: Exclude<FailPolicy, "local"> };
  readonly idempotency: { readonly failPolicy: Exclude<FailPolicy, "local"> };
  readonly useRedisQueue: boolean;
  readonly metricsToken: string | null;
  readonly cronSecret: string | null;
  readonly trustProxy: boolean;
  readonly backendHealthUrl: string | null;
  readonly allowMemoryMode: boolean;
}

/** Minimum length of the bearer secrets: long enough that guessing is not an option. */
export const MIN_SECRET_LENGTH = 16;

// A Map, not an object literal: `"constructor" in {}` is true.
const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["true", true], ["1", true], ["yes", true],
  ["false", false], ["0", false], ["no", false],
]);

// Strict on purpose: "on" or "enabled" silently meaning false would be worse than an error.
const booleanString = z.pipe(
  z.string().check(z.refine((s) => BOOLEAN_WORDS.has(s.toLowerCase()), "must be true/false, 1/0 or yes/no")),
  z.transform((s: string) => BOOLEAN_WORDS.get(s.toLowerCase()) === true),
);

function integerVar(min: number, max: number, fallback: number) {
  const problem = `must be a whole number from ${min} to ${max}`;
  return z._default(
    z.pipe(
      z.string().check(z.regex(/^\d{1,9}$/, problem)),
      z.pipe(z.transform(Number), z.number().check(z.refine((n) => n >= min && n <= max, problem))),
    ),
    fallback,
  );
}

function enumVar<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z._default(z.enum(values, { error: `must be one of ${values.join(", ")}` }), fallback);
}

// Format only; whether http is acceptable depends on NODE_ENV and is checked in load-config.
const restUrl = z.optional(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }));
const restToken = z.optional(z.string());
// RFC 6750 §2.1 b64token charset: a secret outside it could never match an `Authorization: Bearer` header
// (lib/http/bearer.ts parses exactly this grammar), so the endpoint would answer 401 forever.
const secret = z.optional(
  z.string().check(
    z.minLength(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`),
    z.regex(/^[A-Za-z0-9._~+/-]+=*$/, "may contain only letters, digits and - . _ ~ + / (then optional trailing =), as a bearer token must (RFC 6750)"),
  ),
);

/**
 * One entry per variable, keyed by its exact name. Inputs are already trimmed and blank → undefined
 * (see `normalizeEnv`), so `.default()` applies to empty strings too.
 */
export const envSchema = z.object({
  NODE_ENV: enumVar(["development", "test", "production"], "development"),
  UPSTASH_REDIS_REST_URL: restUrl,
  UPSTASH_REDIS_REST_TOKEN: restToken,
  KV_REST_API_URL: restUrl,
  KV_REST_API_TOKEN: restToken,
  EDGE_KIT_KEY_PREFIX: z._default(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/, "must be 1-32 characters of A-Z a-z 0-9 _ -")), "kit"),
  REDIS_COMMAND_TIMEOUT_MS: integerVar(50, 30_000, 1000),
  // 0 by default: a retried EVALSHA/INCR whose first attempt did run on the server counts twice.
  REDIS_RETRIES: integerVar(0, 5, 0),
  RATE_LIMIT_TIMEOUT_MS: integerVar(10, 30_000, 300),
  RATE_LIMIT_FAIL_POLICY: enumVar(["open", "closed", "local"], "open"),
  CACHE_FAIL_POLICY: enumVar(["open", "closed"], "open"),
  // closed by default: failing open here means running a non-repeatable request twice.
  IDEMPOTENCY_FAIL_POLICY: enumVar(["open", "closed"], "closed"),
  REDIS_BREAKER_THRESHOLD: integerVar(0, 1000, 5),
  REDIS_BREAKER_COOLDOWN_MS: integerVar(100, 600_000, 5000),
  USE_REDIS_QUEUE: z._default(booleanString, false),
  METRICS_TOKEN: secret,
  CRON_SECRET: secret,
  // No default here: it follows VERCEL (see load-config).
  TRUST_PROXY: z.optional(booleanString),
  BACKEND_HEALTH_URL: z.optional(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })),
  VERCEL: z.optional(z.string()),
  EDGE_KIT_ALLOW_MEMORY_MODE: z._default(booleanString, false),
});

export type EnvVarName = keyof typeof envSchema.shape;
export type ParsedEnv = z.output<typeof envSchema>;

/** Every variable name, in schema order (the order issues are reported in). */
export const ENV_VAR_NAMES = Object.keys(envSchema.shape) as EnvVarName[];

