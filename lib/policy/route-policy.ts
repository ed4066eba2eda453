/**
 * What the kit does for one route. Each feature adds its own optional field here (rate limit, cache,
 * idempotency…); `false` or absent means the feature is off for that route.
 */
import type { RouteRateLimit } from "../ratelimit/settings";
import type { IdempotencyPolicy } from "../idempotency/policy";
import type { RouteCachePolicy } from "../cache/route-policy";

export interface RoutePolicy {
  /** Free-form note for humans reading kit.config.ts. */
  description?: string;
  /**
   * Rate limits applied before the route runs: `rateLimits.use("api", "orders")` from
   * `defineRateLimits()` (lib/ratelimit); every listed policy must pass.
   */
  rateLimit?: false | RouteRateLimit;
  /**
   * Idempotency-Key handling for unsafe methods (lib/idempotency): claim, 409 in flight, 422 on a
   * reused key, replay. `{ required: true }` refuses requests without a key.
   */
  idempotency?: false | IdempotencyPolicy;
  /**
   * Cached reads for GET routes (lib/cache): HIT/STALE answered by middleware.ts or the Hono `cache()`
   * middleware, MISS stored by the route. Keys vary on path, sorted query, `vary` headers and, for
   * credentialed requests, the credentials (unless `authenticated: "shared"`).
   */
  cache?: false | RouteCachePolicy;
}
