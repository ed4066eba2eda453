/**
 * The @upstash/ratelimit instances, built once per (kit, settings) and reused for every request.
 *
 * Memoising matters: the library's ephemeral cache of denials lives in the instance, so a limiter
 * built per request would forget every denial and each repeat offender would cost a Redis call
 * (reference §1.2, pitfall 7). All instances of one registry share a single BoundedCache — the
 * library keys it by `{prefix}:{identifier}`, and each (policy, dimension) has its own prefix.
 */
import { Ratelimit } from "@upstash/ratelimit";
import { toMs, type Duration } from "../duration";
import type { GateKit } from "../kit";
import type { RateLimitRedis } from "../redis";
import { BoundedCache } from "./bounded-cache";
import { createCountBuffer, type CountBuffer } from "./count-buffer";
import { createDenyList, type DenyList } from "./deny-list";
import { createLocalLimiter, type LocalLimiter } from "./local-limiter";
import type { RateLimitAlgorithm, ResolvedRateLimitPolicy } from "./policy";
import type { RateLimitSettings } from "./settings";
import type { SubjectDimension } from "./subjects";

export interface PolicyLimiter {
  ratelimit: Ratelimit;
  /** The limiter's key prefix, `kit:ratelimit:{policy}:{dimension}`; its cache keys are `{prefix}:{id}`. */
  prefix: string;
}

export interface LimiterRegistry {
  readonly kit: GateKit;
  readonly settings: RateLimitSettings;
  readonly redis: RateLimitRedis | null;
  /** Denials (and penalties) of this isolate: `{prefix}:{id}` → blocked-until epoch ms. */
  readonly cache: BoundedCache;
  readonly local: LocalLimiter;
  readonly denyList: DenyList;
  readonly counts: CountBuffer;
  limiter(policy: ResolvedRateLimitPolicy, dimension: SubjectDimension): PolicyLimiter;
}

const registries = new WeakMap<GateKit, WeakMap<RateLimitSettings, LimiterRegistry>>();

/** The registry of `kit` for `settings`, created on first use (no I/O at construction). */
export function limiterRegistry(kit: GateKit, settings: RateLimitSettings): LimiterRegistry {
  let bySettings = registries.get(kit);
  if (!bySettings) registries.set(kit, (bySettings = new WeakMap()));
  let registry = bySettings.get(settings);
  if (!registry) bySettings.set(settings, (registry = createRegistry(kit, settings)));
  return registry;
}

function createRegistry(kit: GateKit, settings: RateLimitSettings): LimiterRegistry {
  const redis: RateLimitRedis | null = kit.redis;
  const cache = new BoundedCache(settings.ephemeralCacheSize);
  const built = new WeakMap<ResolvedRateLimitPolicy, Map<SubjectDimension, PolicyLimiter>>();

  return {
    kit,
    settings,
    redis,
    cache,
    local: createLocalLimiter(settings.ephemeralCacheSize),
    denyList: createDenyList(kit, settings.denyList),
    counts: createCountBuffer(kit, "ratelimit", settings.countersFlushMs),
    limiter(policy, dimension) {
      if (!redis) throw new Error("limiterRegistry: no Redis in memory mode (callers use the local limiter)");
      let byDimension = built.get(policy);
      if (!byDimension) built.set(policy, (byDimension = new Map()));
      let entry = byDimension.get(dimension);
      if (!entry) {
        const prefix = kit.keys.rateLimit(policy.name, dimension);
        const ratelimit = new Ratelimit({
          redis,
          prefix,
          limiter: algorithmOf(policy.algorithm),
          ephemeralCache: cache,
          // 0 disables the library's own race (dist `applyTimeout`: only `timeout > 0` adds it), which
          // would silently answer `success: true` — the kit's guard() owns the budget and the policy.
          timeout: 0,
          // Off: core-analytics stores raw identifiers in keys that never expire (reference §1.2).
          analytics: false,
          enableProtection: false,
          enableTelemetry: false,
        });
        byDimension.set(dimension, (entry = { ratelimit, prefix }));
      }
      return entry;
    },
  };
}

/** Durations go to the library as milliseconds, so lib/duration stays the one parser of units. */
function algorithmOf(options: RateLimitAlgorithm) {
  const ms = (value: Duration) => `${toMs(value)} ms` as const;
  switch (options.algorithm) {
    case "sliding-window":
      return Ratelimit.slidingWindow(options.limit, ms(options.window));
    case "fixed-window":
      return Ratelimit.fixedWindow(options.limit, ms(options.window));
    case "token-bucket":
      return Ratelimit.tokenBucket(options.refillRate, ms(options.interval), options.maxTokens);
  }
}
