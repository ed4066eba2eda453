/**
 * `defineRateLimits()`: the app's rate-limit table (kit.config.ts). It merges the app's overrides onto
 * the built-in policies, validates everything at startup, and hands routes a `RouteRateLimit` value
 * (`rateLimits.use("api", "orders")`) that carries the resolved policies and these settings — so
 * Next's middleware and the Hono app need nothing but the route table to apply them.
 */
import { toMs, type Duration } from "../duration";
import { parseDenyEntry } from "./deny-list";
import { DEFAULT_POLICIES, resolvePolicy, type DefaultPolicyName, type RateLimitPolicyOptions, type ResolvedRateLimitPolicy } from "./policy";

/** Override of a policy: a partial patch of a built-in one, or a complete new policy. */
export type RateLimitPolicyOverride = Partial<RateLimitPolicyOptions>;

export interface DenyListOptions {
  /**
   * Static entries, checked in memory with no Redis call: `"ip:203.0.113.7"`, `"ip:2001:db8:1:2::/64"`
   * (IPv6 is matched by /64, as identities are), `"user:42"`.
   * @default []
   */
  entries?: readonly string[];
  /**
   * A list shared by every instance, stored in Redis as hashes (no raw IPs) and edited at runtime with
   * `addToDenyList` / `removeFromDenyList`. Each instance re-reads it at most once per `refreshEvery`,
   * riding in the same HTTP request as the rate-limit calls, so a denial costs no Redis call.
   * @default { refreshEvery: "30 s" }
   */
  shared?: false | { refreshEvery: Duration };
}

export interface RateLimitsOptions<TNames extends string> {
  /** Overrides of built-in policies and new policies, by name. */
  policies?: { [K in TNames]?: RateLimitPolicyOverride };
  /** Also send `X-RateLimit-Limit/-Remaining/-Reset` (Reset in epoch seconds, GitHub style). @default false */
  legacyHeaders?: boolean;
  /** @default { entries: [], shared: { refreshEvery: "30 s" } } */
  denyList?: false | DenyListOptions;
  /**
   * Entries in the per-instance cache of denials (identity → blocked until); the oldest is dropped
   * past this. @upstash/ratelimit's own cache is unbounded (reference §1.2). @default 10000
   */
  ephemeralCacheSize?: number;
  /** Outcome counters are summed per instance and flushed to Redis at most this often. @default "5 s" */
  countersFlushEvery?: Duration;
}

/** Resolved, frozen settings shared by every route entry that references them. */
export interface RateLimitSettings {
  readonly policies: ReadonlyMap<string, ResolvedRateLimitPolicy>;
  readonly legacyHeaders: boolean;
  readonly denyList: { readonly entries: readonly string[]; readonly refreshMs: number | false } | false;
  readonly ephemeralCacheSize: number;
  readonly countersFlushMs: number;
}

/** The `rateLimit` field of a route policy: which policies apply (all must pass). */
export interface RouteRateLimit {
  readonly policies: readonly ResolvedRateLimitPolicy[];
  readonly settings: RateLimitSettings;
}

export interface RateLimits<TNames extends string> {
  readonly settings: RateLimitSettings;
  /** The route entry value applying `names` (each its own limit; the request needs all of them). */
  use(...names: TNames[]): RouteRateLimit;
}

/**
 * @example
 * export const rateLimits = defineRateLimits({ policies: { orders: { limit: 10 } }, legacyHeaders: true });
 * // kit.config.ts route entry:
 * { pattern: "/orders", methods: ["POST"], policy: { rateLimit: rateLimits.use("api", "orders") } }
 * @throws RangeError on an invalid policy, naming the policy and the field
 */
export function defineRateLimits<const TExtra extends string = never>(
  options: RateLimitsOptions<DefaultPolicyName | TExtra> = {},
): RateLimits<DefaultPolicyName | TExtra> {
  const merged = new Map<string, ResolvedRateLimitPolicy>();
  const overrides = (options.policies ?? {}) as Record<string, RateLimitPolicyOverride | undefined>;
  const names = new Set([...Object.keys(DEFAULT_POLICIES), ...Object.keys(overrides)]);
  for (const name of names) {
    const base = (DEFAULT_POLICIES as Record<string, RateLimitPolicyOptions | undefined>)[name];
    const override = overrides[name];
    // A changed algorithm replaces the built-in knobs instead of mixing two algorithms' fields.
    const replace = override?.algorithm !== undefined && override.algorithm !== base?.algorithm;
    merged.set(name, resolvePolicy(name, { ...(replace ? {} : base), ...override } as RateLimitPolicyOptions));
  }

  const deny = options.denyList ?? {};
  // Validated now, so a typo in kit.config.ts fails the build instead of the first request.
  if (deny !== false) for (const entry of deny.entries ?? []) parseDenyEntry(entry);
  const settings: RateLimitSettings = Object.freeze({
    policies: merged,
    legacyHeaders: options.legacyHeaders ?? false,
    denyList:
      deny === false
        ? false
        : Object.freeze({
            entries: Object.freeze([...(deny.entries ?? [])]),
            refreshMs: deny.shared === false ? false : toMs(deny.shared?.refreshEvery ?? "30 s"),
          }),
    ephemeralCacheSize: options.ephemeralCacheSize ?? 10_000,
    countersFlushMs: toMs(options.countersFlushEvery ?? "5 s"),
  });

  return Object.freeze({
    settings,
    use(...used: string[]): RouteRateLimit {
      if (used.length === 0) throw new RangeError("rateLimits.use(): name at least one policy");
      const policies = used.map((name) => {
        const policy = merged.get(name);
        if (!policy) throw new RangeError(`rateLimits.use(): unknown policy "${name}" (known: ${[...merged.keys()].join(", ")})`);
        return policy;
      });
      return Object.freeze({ policies: Object.freeze(policies), settings });
    },
  });
}
