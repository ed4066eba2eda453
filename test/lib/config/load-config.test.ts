import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { ConfigError } from "@/lib/errors";
import { createKit } from "@/lib/kit";
import {
  describeConfig,
  ENV_VAR_NAMES,
  loadConfig,
  readEnv,
  type FailPolicy,
  type KitConfig,
  type LoadConfigOptions,
} from "@/lib/config";

const TOKEN = "upstash-token-do-not-print-0f3a9c";
const METRICS = "metrics-token-0123456789";
const CRON = "cron-secret-0123456789ab";

/** A complete, valid production environment; tests override one thing at a time. */
const PROD = {
  NODE_ENV: "production",
  UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: TOKEN,
  METRICS_TOKEN: METRICS,
  CRON_SECRET: CRON,
} as const;

/** The ConfigError loadConfig throws for `env` (fails the test if it does not throw one). */
function configError(env: Record<string, string | undefined>, options?: LoadConfigOptions): ConfigError {
  try {
    loadConfig(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

describe("loadConfig: defaults", () => {
  it("an empty environment is a development config in degraded in-memory mode", () => {
    expect(loadConfig({})).toEqual({
      env: "development",
      redis: null,
      keyPrefix: "kit",
      redisCommandTimeoutMs: 1000,
      redisRetries: 0,
      redisCoalesceInFlight: 4,
      breaker: { threshold: 5, cooldownMs: 5000 },
      rateLimit: { timeoutMs: 300, failPolicy: "open" },
      cache: { failPolicy: "open" },
      idempotency: { failPolicy: "closed" },
      useRedisQueue: false,
      metricsToken: null,
      cronSecret: null,
      trustProxy: false,
      revalidationOrigin: "request",
      backendHealthUrl: null,
      allowMemoryMode: false,
    } satisfies KitConfig);
  });

  it("empty and blank strings count as unset", () => {
    const blank = Object.fromEntries(ENV_VAR_NAMES.map((name) => [name, name.length % 2 ? "" : "   "]));
    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  it("reads every tunable", () => {
    const config = loadConfig({
      NODE_ENV: "test",
      EDGE_KIT_KEY_PREFIX: "shop_eu-1",
      REDIS_COMMAND_TIMEOUT_MS: "2500",
      REDIS_RETRIES: "2",
      REDIS_COALESCE_IN_FLIGHT: "8",
      RATE_LIMIT_TIMEOUT_MS: "150",
      RATE_LIMIT_FAIL_POLICY: "local",
      CACHE_FAIL_POLICY: "closed",
      IDEMPOTENCY_FAIL_POLICY: "open",
      REDIS_BREAKER_THRESHOLD: "3",
      REDIS_BREAKER_COOLDOWN_MS: "10000",
      BACKEND_HEALTH_URL: "https://api.example.com/healthz",
      METRICS_TOKEN: METRICS,
      CRON_SECRET: CRON,
    });
    expect(config).toMatchObject({
      env: "test",
      keyPrefix: "shop_eu-1",
      redisCommandTimeoutMs: 2500,
      redisRetries: 2,
      redisCoalesceInFlight: 8,
      rateLimit: { timeoutMs: 150, failPolicy: "local" },
      cache: { failPolicy: "closed" },
      idempotency: { failPolicy: "open" },
      breaker: { threshold: 3, cooldownMs: 10_000 },
      backendHealthUrl: "https://api.example.com/healthz",
      metricsToken: METRICS,
      cronSecret: CRON,
    });
  });

  it("REDIS_COALESCE_IN_FLIGHT: 0 never joins pipelines; more than 64 is refused", () => {
    expect(loadConfig({ REDIS_COALESCE_IN_FLIGHT: "0" }).redisCoalesceInFlight).toBe(0);
    expect(describeConfig(loadConfig({ REDIS_COALESCE_IN_FLIGHT: "0" }))).toContain("redisCoalesceInFlight: off,");
    expect(configError({ REDIS_COALESCE_IN_FLIGHT: "65" }).issues).toEqual(["REDIS_COALESCE_IN_FLIGHT: must be a whole number from 0 to 64"]);
  });

  it("APP_ORIGIN is where STALE revalidations go; without it, the request's own origin only where its Host is trusted", () => {
    const prod = { NODE_ENV: "production", METRICS_TOKEN: METRICS, CRON_SECRET: CRON, UPSTASH_REDIS_REST_URL: "https://a.upstash.io", UPSTASH_REDIS_REST_TOKEN: TOKEN };
    expect(loadConfig({ ...prod, APP_ORIGIN: "https://shop.example.com/ignored/path?q=1" }).revalidationOrigin).toBe("https://shop.example.com");
    expect(loadConfig({ ...prod, VERCEL: "1" }).revalidationOrigin).toBe("request");
    // Self-hosted `next start` builds request URLs from the client's Host header: not a target to send a signed request to.
    expect(loadConfig(prod).revalidationOrigin).toBeNull();
    expect(loadConfig({ NODE_ENV: "development" }).revalidationOrigin).toBe("request");
    expect(configError({ APP_ORIGIN: "shop.example.com" }).issues).toEqual(["APP_ORIGIN: must be an http:// or https:// URL"]);
  });

  it("REDIS_BREAKER_THRESHOLD=0 disables the breaker", () => {
    expect(loadConfig({ REDIS_BREAKER_THRESHOLD: "0" }).breaker).toBe(false);
  });
});

describe("loadConfig: Redis credentials", () => {
  it("takes UPSTASH_REDIS_REST_URL/TOKEN", () => {
    expect(loadConfig({ UPSTASH_REDIS_REST_URL: "https://a.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t1" }).redis).toEqual({
      url: "https://a.upstash.io",
      token: "t1",
      source: "UPSTASH_REDIS_REST",
    });
  });

  it("falls back to the Vercel marketplace names KV_REST_API_URL/TOKEN", () => {
    expect(loadConfig({ KV_REST_API_URL: "https://kv.upstash.io", KV_REST_API_TOKEN: "t2" }).redis).toEqual({
      url: "https://kv.upstash.io",
      token: "t2",
      source: "KV_REST_API",
    });
  });

  it("prefers UPSTASH_* when both pairs are set", () => {
    const config = loadConfig({
      UPSTASH_REDIS_REST_URL: "https://a.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "t1",
      KV_REST_API_URL: "https://kv.upstash.io",
      KV_REST_API_TOKEN: "t2",
    });
    expect(config.redis).toEqual({ url: "https://a.upstash.io", token: "t1", source: "UPSTASH_REDIS_REST" });
  });

  it("refuses a URL without its token, and a token without its URL", () => {
    expect(configError({ UPSTASH_REDIS_REST_URL: "https://a.upstash.io" }).issues).toEqual([
      "UPSTASH_REDIS_REST_TOKEN: missing while UPSTASH_REDIS_REST_URL is set (URL and token come together)",
    ]);
    expect(configError({ KV_REST_API_TOKEN: TOKEN }).issues).toEqual([
      "KV_REST_API_URL: missing while KV_REST_API_TOKEN is set (URL and token come together)",
    ]);
  });

  it("never pairs one name's URL with the other name's token", () => {
    const { issues } = configError({ UPSTASH_REDIS_REST_URL: "https://a.upstash.io", KV_REST_API_TOKEN: TOKEN });
    expect(issues).toEqual([
      "UPSTASH_REDIS_REST_TOKEN: missing while UPSTASH_REDIS_REST_URL is set " +
        "(URL and token come together; KV_REST_API_TOKEN is not combined with UPSTASH_REDIS_REST_URL)",
    ]);
  });

  it("refuses a URL that is not http(s)", () => {
    const { issues } = configError({ UPSTASH_REDIS_REST_URL: "redis://localhost:6379", UPSTASH_REDIS_REST_TOKEN: "t" });
    expect(issues).toEqual(["UPSTASH_REDIS_REST_URL: must be an http:// or https:// URL"]);
  });

  // WHATWG URL parsing would accept each of these (and crash later in the client, echoing the URL).
  it.each(["https:eu1-example.upstash.io", "https:/eu1-example.upstash.io", "http:\\\\localhost:8079", "https:///eu1-example.upstash.io", "https://eu1-example.up stash.io", "https://eu1-example\n.upstash.io", "https://eu1-\texample.upstash.io"])(
    "refuses the malformed URL %j",
    (url) => {
      const { issues } = configError({ UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: "t", BACKEND_HEALTH_URL: url });
      expect(issues).toEqual(["UPSTASH_REDIS_REST_URL: must be an http:// or https:// URL", "BACKEND_HEALTH_URL: must be an http:// or https:// URL"]);
    },
  );

  it("accepts an upper-case scheme, lower-cased (the Upstash client would refuse it at startup)", () => {
    const config = loadConfig({ UPSTASH_REDIS_REST_URL: "HTTPS://a.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t" });
    expect(config.redis?.url).toBe("https://a.upstash.io");
    expect(() => createKit(config)).not.toThrow();
  });

  it("accepts http outside production (upstash-local in dev and tests)", () => {
    const env = { NODE_ENV: "development", UPSTASH_REDIS_REST_URL: "http://10.0.0.5:8079", UPSTASH_REDIS_REST_TOKEN: "t" };
    expect(loadConfig(env).redis?.url).toBe("http://10.0.0.5:8079");
  });
});

describe("loadConfig: production rules", () => {
  it("accepts a complete production environment", () => {
    expect(loadConfig(PROD)).toMatchObject({ env: "production", redis: { source: "UPSTASH_REDIS_REST" } });
  });

  it.each(["https://eu1-example.upstash.io", "http://localhost:8079", "http://127.0.0.1:8079", "http://[::1]:8079"])(
    "accepts the REST URL %s",
    (url) => {
      expect(loadConfig({ ...PROD, UPSTASH_REDIS_REST_URL: url }).redis?.url).toBe(url);
    },
  );

  it("refuses plain http to any other host, naming the variable actually used", () => {
    expect(configError({ ...PROD, UPSTASH_REDIS_REST_URL: "http://example.com" }).issues).toEqual([
      "UPSTASH_REDIS_REST_URL: must be an https:// URL in production (http:// only for localhost, 127.0.0.1 or [::1])",
    ]);
    const kv = { ...PROD, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined };
    expect(configError({ ...kv, KV_REST_API_URL: "http://kv.example.com", KV_REST_API_TOKEN: TOKEN }).issues).toEqual([
      "KV_REST_API_URL: must be an https:// URL in production (http:// only for localhost, 127.0.0.1 or [::1])",
    ]);
  });

  it("requires METRICS_TOKEN and CRON_SECRET", () => {
    expect(configError({ ...PROD, METRICS_TOKEN: undefined, CRON_SECRET: "" }).issues).toEqual([
      "METRICS_TOKEN: required in production (bearer token of GET /api/admin/redis/metrics)",
      "CRON_SECRET: required in production (authenticates Vercel Cron calls to /api/queue/consume)",
    ]);
  });

  it("requires only the secrets of endpoints the host serves (the worker passes none)", () => {
    const withoutSecrets = { ...PROD, METRICS_TOKEN: undefined, CRON_SECRET: undefined };
    expect(loadConfig(withoutSecrets, { requiredSecrets: [] })).toMatchObject({ env: "production", metricsToken: null, cronSecret: null });
    expect(configError(withoutSecrets, { requiredSecrets: ["CRON_SECRET"] }).issues).toEqual([
      "CRON_SECRET: required in production (authenticates Vercel Cron calls to /api/queue/consume)",
    ]);
    // A secret that is set is still validated, required or not.
    expect(configError({ ...withoutSecrets, METRICS_TOKEN: "short" }, { requiredSecrets: [] }).issues).toEqual([
      "METRICS_TOKEN: must be at least 16 characters",
    ]);
  });

  it("refuses a secret no Authorization: Bearer header could carry (RFC 6750 token charset)", () => {
    const issues = configError({ ...PROD, METRICS_TOKEN: "has spaces and $igns 0123456789" }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^METRICS_TOKEN: may contain only letters, digits/);
    expect(issues[0]).not.toContain("$igns");
    expect(loadConfig({ ...PROD, CRON_SECRET: "abcDEF0123456789-._~+/==" }).cronSecret).toBe("abcDEF0123456789-._~+/==");
  });

  it("refuses to run without Redis unless EDGE_KIT_ALLOW_MEMORY_MODE=true", () => {
    const noRedis = { ...PROD, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined };
    const [issue, ...rest] = configError(noRedis).issues;
    expect(rest).toEqual([]);
    expect(issue).toMatch(/^UPSTASH_REDIS_REST_URL: required in production.*EDGE_KIT_ALLOW_MEMORY_MODE=true/);

    const allowed = loadConfig({ ...noRedis, EDGE_KIT_ALLOW_MEMORY_MODE: "true" });
    expect(allowed).toMatchObject({ env: "production", redis: null, allowMemoryMode: true });
  });

  it("outside production, neither Redis nor the endpoint secrets are required", () => {
    expect(loadConfig({ NODE_ENV: "test" })).toMatchObject({ redis: null, metricsToken: null, cronSecret: null });
  });
});

describe("loadConfig: reporting", () => {
  it("reports every bad variable at once, one line each, in schema order", () => {
    const error = configError({
      REDIS_RETRIES: "9",
      RATE_LIMIT_FAIL_POLICY: "maybe",
      USE_REDIS_QUEUE: "perhaps",
      METRICS_TOKEN: "short",
    });
    expect(error.code).toBe("E_CONFIG");
    expect(error.issues).toEqual([
      "REDIS_RETRIES: must be a whole number from 0 to 5",
      "RATE_LIMIT_FAIL_POLICY: must be one of open, closed, local",
      "USE_REDIS_QUEUE: must be true/false, 1/0 or yes/no",
      "METRICS_TOKEN: must be at least 16 characters",
    ]);
    for (const issue of error.issues) expect(error.message).toContain(issue);
  });

  it("reports per-variable problems and cross-variable rules together", () => {
    const { issues } = configError({
      ...PROD,
      NODE_ENV: "production",
      UPSTASH_REDIS_REST_URL: "http://example.com",
      REDIS_COMMAND_TIMEOUT_MS: "10",
      CRON_SECRET: undefined,
      EDGE_KIT_KEY_PREFIX: "has:colon",
    });
    expect(issues.map((issue) => issue.split(":")[0])).toEqual([
      "EDGE_KIT_KEY_PREFIX",
      "REDIS_COMMAND_TIMEOUT_MS",
      "UPSTASH_REDIS_REST_URL",
      "CRON_SECRET",
    ]);
  });

  it("rejects values that only look numeric", () => {
    for (const value of ["1e3", "1000.5", "-1", "0x10", "1 000"]) {
      expect(configError({ REDIS_COMMAND_TIMEOUT_MS: value }).issues).toEqual([
        "REDIS_COMMAND_TIMEOUT_MS: must be a whole number from 50 to 30000",
      ]);
    }
  });

  it("never echoes a value, secret or not", () => {
    const secrets = {
      NODE_ENV: "production",
      UPSTASH_REDIS_REST_URL: "http://user:hunter2-password@example.com/?token=url-secret-zz",
      UPSTASH_REDIS_REST_TOKEN: TOKEN,
      METRICS_TOKEN: "short-metrics-x",
      CRON_SECRET: "short-cron-yy",
      KV_REST_API_URL: "not a url kv-secret-qq",
      EDGE_KIT_KEY_PREFIX: "prefix-secret-ww!",
    };
    const error = configError(secrets);
    expect(error.issues).toHaveLength(5);
    const printed = `${error.message}\n${JSON.stringify(error.context)}\n${String(error.stack)}`;
    for (const needle of [TOKEN, "hunter2", "url-secret-zz", "short-metrics-x", "short-cron-yy", "kv-secret-qq", "prefix-secret-ww"]) {
      expect(printed).not.toContain(needle);
    }
  });
});

describe("loadConfig: booleans", () => {
  it.each([
    ["true", true], ["TRUE", true], ["1", true], ["yes", true], ["Yes", true],
    ["false", false], ["False", false], ["0", false], ["no", false], ["NO", false],
  ])("USE_REDIS_QUEUE=%s → %s", (value, expected) => {
    expect(loadConfig({ USE_REDIS_QUEUE: value }).useRedisQueue).toBe(expected);
  });

  it.each(["on", "off", "y", "2", "truee", "constructor"])("refuses %s", (value) => {
    expect(configError({ USE_REDIS_QUEUE: value, EDGE_KIT_ALLOW_MEMORY_MODE: value, TRUST_PROXY: value }).issues).toEqual([
      "USE_REDIS_QUEUE: must be true/false, 1/0 or yes/no",
      "TRUST_PROXY: must be true/false, 1/0 or yes/no",
      "EDGE_KIT_ALLOW_MEMORY_MODE: must be true/false, 1/0 or yes/no",
    ]);
  });

  it("TRUST_PROXY defaults to true on Vercel (any non-empty VERCEL), false elsewhere, and can be overridden", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ VERCEL: "" }).trustProxy).toBe(false);
    expect(loadConfig({ VERCEL: "1" }).trustProxy).toBe(true);
    expect(loadConfig({ VERCEL: "1", TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "yes" }).trustProxy).toBe(true);
  });
});

describe("loadConfig: result", () => {
  it("is deeply frozen: assigning throws (test files are strict-mode modules)", () => {
    const config = loadConfig(PROD);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      // @ts-expect-error KitConfig is readonly at the type level too
      config.keyPrefix = "other";
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error nested objects are readonly as well
      config.rateLimit.failPolicy = "closed";
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error
      config.redis!.token = "x";
    }).toThrow(TypeError);
  });

  it("has the documented field types", () => {
    const config = loadConfig({});
    expectTypeOf(config.env).toEqualTypeOf<"development" | "test" | "production">();
    expectTypeOf(config.rateLimit.failPolicy).toEqualTypeOf<FailPolicy>();
    expectTypeOf(config.cache.failPolicy).toEqualTypeOf<"open" | "closed">();
    expectTypeOf(config.breaker).toEqualTypeOf<false | { readonly threshold: number; readonly cooldownMs: number }>();
    expectTypeOf(config.redis).toEqualTypeOf<{
      readonly url: string;
      readonly token: string;
      readonly source: "UPSTASH_REDIS_REST" | "KV_REST_API";
    } | null>();
    expectTypeOf(config.metricsToken).toEqualTypeOf<string | null>();
  });
});

describe("describeConfig", () => {
  it("is one log line naming every field, without tokens or URL credentials", () => {
    const config = loadConfig({
      ...PROD,
      UPSTASH_REDIS_REST_URL: "https://user:pw-secret@eu1-example.upstash.io:8443/path-secret?q=query-secret",
      BACKEND_HEALTH_URL: "https://api.example.com/health?key=health-secret",
    });
    expect(describeConfig(config)).toBe(
      "env: production, redis: https://eu1-example.upstash.io:8443 (UPSTASH_REDIS_REST), keyPrefix: kit, " +
        "redisCommandTimeoutMs: 1000, redisRetries: 0, redisCoalesceInFlight: join pipelines past 4 in flight, breaker: opens after 5 failures for 5000 ms, " +
        "rateLimit: fail open after 300 ms, cache: fail open, idempotency: fail closed, useRedisQueue: false, " +
        "metricsToken: set, cronSecret: set, trustProxy: false, revalidationOrigin: none (STALE entries not revalidated: set APP_ORIGIN), " +
        "backendHealthUrl: https://api.example.com, " +
        "allowMemoryMode: false",
    );
  });

  it("says when there is no Redis or no breaker", () => {
    const line = describeConfig(loadConfig({ REDIS_BREAKER_THRESHOLD: "0" }));
    expect(line).toContain("redis: none (in-memory mode)");
    expect(line).toContain("breaker: off");
    expect(line).toContain("metricsToken: unset");
  });
});

describe("readEnv", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("reads every schema variable from process.env by name", () => {
    for (const name of ENV_VAR_NAMES) vi.stubEnv(name, `value-of-${name}`);
    const env = readEnv();
    expect(Object.keys(env).sort()).toEqual([...ENV_VAR_NAMES].sort());
    for (const name of ENV_VAR_NAMES) expect(env[name]).toBe(`value-of-${name}`);
  });
});

describe(".env.example", () => {
  it("lists every variable the kit reads, each under a comment line", async () => {
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(new URL("../../../.env.example", import.meta.url), "utf8").split("\n");
    for (const name of ENV_VAR_NAMES) {
      const at = lines.findIndex((line) => new RegExp(`^#?\\s*${name}=`).test(line));
      expect(at, `${name} missing from .env.example`).toBeGreaterThan(0);
      expect(lines.slice(0, at).reverse().find((l) => !new RegExp("^#?\\s*[A-Z_]+=").test(l)), `${name} has no comment`).toMatch(/^#/);
    }
  });
});
