/**
 * What each kit feature does while Redis is not usable, read from the fail policies that actually
 * apply (DESIGN.md §2): an operator reading the health report sees "rate limiting is allowing
 * everything on `api` and refusing `login`", not just "redis down".
 */
import type { Kit } from "../kit";
import type { RouteDefinition, RoutePolicy } from "../policy";
import type { FailPolicy } from "../resilience";

/** A kit feature running without Redis, and how its fail policy makes it behave meanwhile. */
export interface DegradedFeature {
  feature: "ratelimit" | "cache" | "idempotency" | "lock" | "queue";
  behaviour: string;
  /**
   * When a feature's routes disagree: the rate-limit policies, or for idempotency the route names,
   * that behave this way. Absent when the entry is the config default for every use.
   */
  appliesTo?: string[];
}

const RATE_LIMIT_BEHAVIOUR: Record<FailPolicy, string> = {
  open: "allowing every request (fail open)",
  closed: "refusing requests with 503 (fail closed)",
  local: "limiting per instance (fail local)",
};
const IDEMPOTENCY_BEHAVIOUR = {
  open: "not enforcing Idempotency-Key (fail open)",
  closed: "refusing keyed requests with 503 (fail closed)",
} as const;

/**
 * `routes` (kit.config.ts) lets the report follow per-policy overrides: `login` fails closed while
 * the config default is open, an idempotent route may fail open. Without it only config defaults are
 * known, and the report says what those do.
 */
export function degradedFeatures(
  kit: Kit,
  redis: "up" | "down" | "memory",
  routes?: readonly RouteDefinition<RoutePolicy>[],
): DegradedFeature[] {
  if (redis === "up") return [];
  const { rateLimit, cache, idempotency, useRedisQueue } = kit.config;
  const rateLimitPolicies = new Map<string, FailPolicy>();
  const idempotentRoutes = new Map<string, "open" | "closed">();
  for (const route of routes ?? []) {
    const { rateLimit: limits, idempotency: idem } = route.policy;
    for (const policy of limits ? limits.policies : []) rateLimitPolicies.set(policy.name, policy.failPolicy ?? rateLimit.failPolicy);
    if (idem) idempotentRoutes.set(route.name ?? route.pattern, idem.failPolicy ?? idempotency.failPolicy);
  }
  if (redis === "memory") {
    const perInstance = "per-instance memory (not shared across instances)";
    return [
      { feature: "ratelimit", behaviour: perInstance },
      // Route responses need a fill lease's captured versions to be stored (lib/cache/http-cache.ts), and
      // memory mode has no leases to hand out: only kit.cache values are kept, per instance.
      { feature: "cache", behaviour: `${perInstance} for kit.cache values; route responses are not cached` },
      // No store in memory mode (lib/idempotency/begin.ts): each route's fail policy decides, as in an outage.
      ...grouped("idempotency", idempotentRoutes, idempotency.failPolicy, IDEMPOTENCY_BEHAVIOUR).map((f) => ({ ...f, behaviour: `no store in memory mode: ${f.behaviour}` })),
      { feature: "lock", behaviour: perInstance },
      { feature: "queue", behaviour: "jobs run inline in the request" },
    ];
  }
  const out: DegradedFeature[] = [
    ...grouped("ratelimit", rateLimitPolicies, rateLimit.failPolicy, RATE_LIMIT_BEHAVIOUR),
    { feature: "cache", behaviour: cache.failPolicy === "open" ? "reading from the source on every request (fail open)" : "answering 503 (fail closed)" },
    ...grouped("idempotency", idempotentRoutes, idempotency.failPolicy, IDEMPOTENCY_BEHAVIOUR),
    { feature: "lock", behaviour: "cannot acquire locks" },
  ];
  if (useRedisQueue) out.push({ feature: "queue", behaviour: "cannot enqueue or consume jobs" });
  return out;
}

/**
 * One entry per distinct behaviour, naming its users. All users agreeing (or none known) gives the
 * single unnamed entry of the config default, so the common case reads as before.
 */
function grouped<P extends string>(
  feature: DegradedFeature["feature"],
  users: ReadonlyMap<string, P>,
  fallback: P,
  behaviours: Record<P, string>,
): DegradedFeature[] {
  const byPolicy = new Map<P, string[]>();
  for (const [name, policy] of users) byPolicy.set(policy, [...(byPolicy.get(policy) ?? []), name]);
  if (byPolicy.size === 0) return [{ feature, behaviour: behaviours[fallback] }];
  if (byPolicy.size === 1) return [{ feature, behaviour: behaviours[[...byPolicy.keys()][0]!] }];
  return [...byPolicy].map(([policy, names]) => ({ feature, behaviour: behaviours[policy], appliesTo: names.sort() }));
}
