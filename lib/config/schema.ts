/**
 * The one schema of every environment variable the kit reads, and the typed config it becomes.
 *
 * Each variable has its own parser so `loadConfig` can report every bad variable at once. Every
 * message is written here, by hand, and never contains the value: a token pasted into the wrong
 * variable must not end up in a build log.
 *
 * Written by hand rather than with zod (which the kit uses for request bodies, job payloads and
 * sessions): this module is in the edge middleware bundle, where even `zod/mini` cost 18 kB gzip for
 * these twenty scalar checks — the difference between meeting the 111 kB bundle budget and missing it
 * (issue 9; measured in README "Bundle budget"). Each rule below is one line; test/lib/config pins them.
 */

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
  /** HTTP requests to Redis out at once before concurrent pipelines are joined; 0 = never join. */
  readonly redisCoalesceInFlight: number;
  /** `false` when `REDIS_BREAKER_THRESHOLD=0`. */
  readonly breaker: false | { readonly threshold: number; readonly cooldownMs: number };
  readonly rateLimit: { readonly timeoutMs: number; readonly failPolicy: FailPolicy };
  readonly cache: { readonly failPolicy: Exclude<FailPolicy, "local"> };
  readonly idempotency: { readonly failPolicy: Exclude<FailPolicy, "local"> };
  readonly useRedisQueue: boolean;
  readonly metricsToken: string | null;
  readonly cronSecret: string | null;
  readonly trustProxy: boolean;
  /**
   * Where Next's middleware sends a STALE entry's background revalidation (a `fetch` of the same path):
   * APP_ORIGIN; else `"request"`, the request's own URL, where its Host is trusted (development, test,
   * Vercel, which routes by host); else `null`, not sent — a self-hosted `next start` builds the URL
   * from the client's Host header, which would then choose where the kit sends a signed request.
   */
  readonly revalidationOrigin: string | "request" | null;
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

/** One variable's verdict: its typed value, or the message reported as `NAME: message`. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };
/** Parses one trimmed, non-blank value (`undefined` = unset). */
export type EnvParser<T> = (raw: string | undefined) => Parsed<T>;
type Check<T> = (value: string) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

const optional = <T>(check: Check<T>): EnvParser<T | undefined> => (raw) => (raw === undefined ? ok(undefined) : check(raw));
const withDefault = <T>(check: Check<T>, fallback: T): EnvParser<T> => (raw) => (raw === undefined ? ok(fallback) : check(raw));
const anyString: Check<string> = ok;
const matching = (pattern: RegExp, message: string): Check<string> => (s) => (pattern.test(s) ? ok(s) : fail(message));

// Strict on purpose: "on" or "enabled" silently meaning false would be worse than an error.
const booleanWord: Check<boolean> = (s) => {
  const value = BOOLEAN_WORDS.get(s.toLowerCase());
  return value === undefined ? fail("must be true/false, 1/0 or yes/no") : ok(value);
};

function integerVar(min: number, max: number, fallback: number): EnvParser<number> {
  const problem = `must be a whole number from ${min} to ${max}`;
  return withDefault((s) => {
    const n = /^\d{1,9}$/.test(s) ? Number(s) : NaN;
    return n >= min && n <= max ? ok(n) : fail(problem);
  }, fallback);
}

function enumVar<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]): EnvParser<T[number]> {
  const allowed: ReadonlySet<string> = new Set(values);
  return withDefault((s) => (allowed.has(s) ? ok(s as T[number]) : fail(`must be one of ${values.join(", ")}`)), fallback);
}

// Format only; whether http is acceptable depends on NODE_ENV and is checked in load-config.
// WHATWG URL parsing forgives `https:host`, `https:/host`, `http:\\host` and strips tabs and
// newlines; a pasted URL like that is a mistake, so the literal `scheme://` and no whitespace are required too.
const httpUrl: Check<string> = (s) => {
  if (!/^https?:\/\/[^/\\]/i.test(s) || /\s/.test(s)) return fail("must be an http:// or https:// URL");
  let protocol = "";
  try {
    protocol = new URL(s).protocol;
  } catch {
    // not a URL at all: same message as a wrong scheme
  }
  // The scheme lower-cased: @upstash/redis checks the URL case-sensitively and would throw at startup.
  return protocol === "http:" || protocol === "https:" ? ok(s.replace(/^https?/i, (scheme) => scheme.toLowerCase())) : fail("must be an http:// or https:// URL");
};

// RFC 6750 §2.1 b64token charset: a secret outside it could never match an `Authorization: Bearer` header
// (lib/http/bearer.ts parses exactly this grammar), so the endpoint would answer 401 forever.
const secret: EnvParser<string | undefined> = optional((s) =>
  s.length < MIN_SECRET_LENGTH
    ? fail(`must be at least ${MIN_SECRET_LENGTH} characters`)
    : matching(/^[A-Za-z0-9._~+/-]+=*$/, "may contain only letters, digits and - . _ ~ + / (then optional trailing =), as a bearer token must (RFC 6750)")(s),
);

/**
 * One parser per variable, keyed by its exact name. Inputs are already trimmed and blank → undefined
 * (see `normalizeEnv`), so defaults apply to empty strings too.
 */
export const ENV_PARSERS = {
  NODE_ENV: enumVar(["development", "test", "production"], "development"),
  UPSTASH_REDIS_REST_URL: optional(httpUrl),
  UPSTASH_REDIS_REST_TOKEN: optional(anyString),
  KV_REST_API_URL: optional(httpUrl),
  KV_REST_API_TOKEN: optional(anyString),
  EDGE_KIT_KEY_PREFIX: withDefault(matching(/^[A-Za-z0-9_-]{1,32}$/, "must be 1-32 characters of A-Z a-z 0-9 _ -"), "kit"),
  REDIS_COMMAND_TIMEOUT_MS: integerVar(50, 30_000, 1000),
  // 0 by default: a retried EVALSHA/INCR whose first attempt did run on the server counts twice.
  REDIS_RETRIES: integerVar(0, 5, 0),
  // 4: an idle or lightly loaded isolate never waits; a busy one joins callers (issue 10, bench/gate).
  REDIS_COALESCE_IN_FLIGHT: integerVar(0, 64, 4),
  RATE_LIMIT_TIMEOUT_MS: integerVar(10, 30_000, 300),
  RATE_LIMIT_FAIL_POLICY: enumVar(["open", "closed", "local"], "open"),
  CACHE_FAIL_POLICY: enumVar(["open", "closed"], "open"),
  // closed by default: failing open here means running a non-repeatable request twice.
  IDEMPOTENCY_FAIL_POLICY: enumVar(["open", "closed"], "closed"),
  REDIS_BREAKER_THRESHOLD: integerVar(0, 1000, 5),
  REDIS_BREAKER_COOLDOWN_MS: integerVar(100, 600_000, 5000),
  USE_REDIS_QUEUE: withDefault(booleanWord, false),
  METRICS_TOKEN: secret,
  CRON_SECRET: secret,
  // No default here: it follows VERCEL (see load-config).
  TRUST_PROXY: optional(booleanWord),
  APP_ORIGIN: optional(httpUrl),
  BACKEND_HEALTH_URL: optional(httpUrl),
  VERCEL: optional(anyString),
  EDGE_KIT_ALLOW_MEMORY_MODE: withDefault(booleanWord, false),
} satisfies Record<string, EnvParser<unknown>>;

export type EnvVarName = keyof typeof ENV_PARSERS;
export type ParsedEnv = { [K in EnvVarName]: (typeof ENV_PARSERS)[K] extends EnvParser<infer T> ? T : never };

/** Every variable name, in schema order (the order issues are reported in). */
export const ENV_VAR_NAMES = Object.keys(ENV_PARSERS) as EnvVarName[];
