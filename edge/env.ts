import type { Kit } from "../lib/kit";
import type { MatchedRoute, RoutePolicy } from "../lib/policy";
import type { RateLimitDecision } from "../lib/ratelimit";

/** Typed Hono context: `c.get("kit")`, `c.get("route")` everywhere; features add their variables here. */
export interface AppEnv {
  Variables: {
    kit: Kit;
    /** The kit.config.ts entry this request matched (null: no policy applies). */
    route: MatchedRoute<RoutePolicy> | null;
    /** The rate-limit decision for this request (edge/middleware/rate-limit.ts); undefined when no policy applied. */
    rateLimit: RateLimitDecision | undefined;
    /**
     * While the handler runs under an Idempotency-Key claim: aborts with IdempotencyClaimLostError once
     * the claim is lost (taken over, or unconfirmable past its lease; lib/idempotency/heartbeat.ts), so
     * the handler can stop before its side effect or pass it on (`fetch(url, { signal })`). Undefined
     * when the request holds no claim. Next's `withIdempotency` hands route handlers the same signal.
     */
    idempotencySignal: AbortSignal | undefined;
  };
}
