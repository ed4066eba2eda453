/**
 * Rate-limit policies: what a named limit is (algorithm, quota, identity, cost, fail policy, penalty)
 * and the built-in action types real apps need. The app overrides them in kit.config.ts; routes then
 * reference them by name (`rateLimits.use("api", "orders")`).
 */
import { toMs, type Duration } from "../duration";
import type { FailPolicy } from "../resilience";

/**
 * Which @upstash/ratelimit algorithm decides (a discriminated union: each carries only its own knobs).
 * - `sliding-window`: the library's two-window estimate; smooth, the default (reference §5.1).
 * - `fixed-window`: exact count per epoch-aligned window; what the exactness test relies on.
 * - `token-bucket`: bursts up to `maxTokens`, refilled by `refillRate` every `interval`.
 */
export type RateLimitAlgorithm =
  | { algorithm: "sliding-window"; limit: number; window: Duration }
  | { algorithm: "fixed-window"; limit: number; window: Duration }
  | { algorithm: "token-bucket"; refillRate: number; interval: Duration; maxTokens: number };

/**
 * Who a limit counts against.
 * - `ip`: the client address (trusted proxy headers only with TRUST_PROXY; IPv6 by /64).
 * - `user-or-ip`: the user id when the resolver returns one, else the IP (one limit).
 * - `ip-and-user`: the IP and, when signed in, the user as two separate limits; both must pass.
 */
export type RateLimitIdentity = "ip" | "user-or-ip" | "ip-and-user";

/** Block an identity for `duration` after it exceeds the limit (Cloudflare's "mitigation timeout"). */
export interface RateLimitPenalty {
  duration: Duration;
}

export type RateLimitPolicyOptions = RateLimitAlgorithm & {
  identity?: RateLimitIdentity;
  /**
   * `true`: one budget per route (the route's `name` in kit.config.ts) — the `api` policy.
   * `false`: one budget per identity across every route that uses the policy — `login`, `orders`.
   * @default false
   */
  perRoute?: boolean;
  /** Units one request consumes (e.g. an export costs 5). @default 1 */
  cost?: number;
  /** What happens when Redis is slow or down. @default config RATE_LIMIT_FAIL_POLICY */
  failPolicy?: FailPolicy;
  /** @default false */
  penalty?: false | RateLimitPenalty;
  /**
   * Per-instance quota used by the `local` fail policy, e.g. limit / expected instances.
   * @default the policy's own limit (each instance admits up to the full quota)
   */
  localLimit?: number;
};

/** A policy after validation: its name, durations in ms, and every default filled in. */
export interface ResolvedRateLimitPolicy {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly identity: RateLimitIdentity;
  readonly perRoute: boolean;
  readonly cost: number;
  /** `undefined`: follow config `rateLimit.failPolicy`. */
  readonly failPolicy: FailPolicy | undefined;
  readonly penaltyMs: number;
  /** Quota (requests or tokens) advertised as `q` in RateLimit-Policy. */
  readonly quota: number;
  /** Window advertised as `w` (whole seconds, ≥ 1: the draft allows no sub-second precision). */
  readonly windowSeconds: number;
  readonly windowMs: number;
  readonly localLimit: number;
}

/**
 * Built-in action types. Each is an ordinary policy: override any field in kit.config.ts.
 * `login` fails closed (an outage must not open a credential-stuffing window) and penalises;
 * `api` fails open (an outage of the limiter must not take the API down).
 */
export const DEFAULT_POLICIES = {
  api: { algorithm: "sliding-window", limit: 100, window: "60 s", identity: "user-or-ip", perRoute: true, failPolicy: "open" },
  login: {
    algorithm: "fixed-window",
    limit: 5,
    window: "5 m",
    identity: "ip-and-user",
    failPolicy: "closed",
    penalty: { duration: "15 m" },
  },
  upload: { algorithm: "token-bucket", refillRate: 1, interval: "10 s", maxTokens: 10, identity: "user-or-ip" },
  message: { algorithm: "sliding-window", limit: 30, window: "60 s", identity: "user-or-ip" },
  export: { algorithm: "fixed-window", limit: 5, window: "1 h", identity: "user-or-ip", cost: 1 },
  orders: { algorithm: "sliding-window", limit: 10, window: "60 s", identity: "user-or-ip" },
} as const satisfies Record<string, RateLimitPolicyOptions>;

export type DefaultPolicyName = keyof typeof DEFAULT_POLICIES;

// No "." or "_": the kit derives its own key names from a policy name with those (`api.penalty`, `_deny`).
const POLICY_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Validates one policy; throws RangeError naming the policy and the field (config is code: fail at startup). */
export function resolvePolicy(name: string, options: RateLimitPolicyOptions): ResolvedRateLimitPolicy {
  if (!POLICY_NAME.test(name)) throw new RangeError(`rate-limit policy "${name}": name must match ${POLICY_NAME}`);
  const positiveInt = (field: string, value: number) => {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`rate-limit policy "${name}": ${field} must be an integer >= 1, got ${value}`);
    }
    return value;
  };
  const duration = (field: string, value: Duration) => {
    const ms = toMs(value);
    if (ms < 1) throw new RangeError(`rate-limit policy "${name}": ${field} must be > 0`);
    return ms;
  };
  const cost = positiveInt("cost", options.cost ?? 1);
  const penaltyMs = options.penalty ? duration("penalty.duration", options.penalty.duration) : 0;

  let quota: number;
  let windowMs: number;
  if (options.algorithm === "token-bucket") {
    quota = positiveInt("maxTokens", options.maxTokens);
    const refill = positiveInt("refillRate", options.refillRate);
    // An empty bucket is full again after ceil(max/refill) intervals: the bucket's window.
    windowMs = Math.ceil(quota / refill) * duration("interval", options.interval);
  } else {
    quota = positiveInt("limit", options.limit);
    windowMs = duration("window", options.window);
  }
  if (cost > quota) throw new RangeError(`rate-limit policy "${name}": cost ${cost} exceeds the quota ${quota}`);

  const { identity = "user-or-ip", perRoute = false, failPolicy } = options;
  return Object.freeze({
    name,
    algorithm: Object.freeze(pickAlgorithm(options)),
    identity,
    perRoute,
    cost,
    failPolicy,
    penaltyMs,
    quota,
    windowSeconds: Math.max(1, Math.ceil(windowMs / 1000)),
    windowMs,
    localLimit: positiveInt("localLimit", options.localLimit ?? quota),
  });
}

function pickAlgorithm(options: RateLimitAlgorithm): RateLimitAlgorithm {
  switch (options.algorithm) {
    case "token-bucket":
      return { algorithm: options.algorithm, refillRate: options.refillRate, interval: options.interval, maxTokens: options.maxTokens };
    case "fixed-window":
    case "sliding-window":
      return { algorithm: options.algorithm, limit: options.limit, window: options.window };
  }
}
