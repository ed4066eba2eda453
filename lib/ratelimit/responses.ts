/**
 * A decision as HTTP: the RateLimit header fields on every limited response (allowed or not), and
 * the refusals — 429 (RFC 6585 §4) with Retry-After and an RFC 9457 body using the draft's
 * `quota-exceeded` problem type and `violated-policies` member; 403 for the deny list; 503 with
 * Retry-After when a fail-closed policy cannot reach Redis.
 */
import { PROBLEM_TYPES, problemResponse, rateLimitHeaders, type RateLimitHeaderPolicy } from "../http";
import type { RateLimitSettings } from "./settings";
import type { RateLimitDecision } from "./types";

/** Problem types of rate limiting (draft-ietf-httpapi-ratelimit-headers §7, IANA HTTP Problem Types). */
export const RATE_LIMIT_PROBLEM_TYPES = {
  quotaExceeded: "https://iana.org/assignments/http-problem-types#quota-exceeded",
  denied: "https://edge-kit.dev/problems/denied",
} as const;

/** Header carrying the degraded reason of a decision (`timeout`, `redis-error`, `circuit-open`, `no-redis`). */
export const DEGRADED_HEADER = "x-ratelimit-degraded";

/** RateLimit-Policy / RateLimit (+ legacy, + degraded) for a decision; empty for a deny-list block. */
export function decisionHeaders(decision: RateLimitDecision, settings: Pick<RateLimitSettings, "legacyHeaders">): Headers {
  if (decision.outcome === "blocked") return new Headers();
  const items = decision.policies.map(
    (o): RateLimitHeaderPolicy => ({
      name: o.policy.name,
      quota: o.source === "local" ? o.policy.localLimit : o.policy.quota,
      windowSeconds: o.policy.windowSeconds,
      ...(o.remaining === undefined ? {} : { remaining: o.remaining }),
      ...(o.reset === undefined ? {} : { reset: o.reset }),
    }),
  );
  const headers = rateLimitHeaders(items, { now: decision.decidedAt, legacy: settings.legacyHeaders });
  if (decision.degraded) headers.set(DEGRADED_HEADER, decision.degraded);
  return headers;
}

/** The response refusing the request, or `null` when the decision allows it. */
export function refusalResponse(
  decision: RateLimitDecision,
  settings: Pick<RateLimitSettings, "legacyHeaders">,
  instance?: string,
): Response | null {
  const headers = decisionHeaders(decision, settings);
  const at = instance === undefined ? {} : { instance };
  switch (decision.outcome) {
    case "allowed":
      return null;
    case "limited": {
      headers.set("retry-after", String(decision.retryAfterSeconds ?? 1));
      const names = decision.violated.join(", ");
      return problemResponse(
        {
          type: RATE_LIMIT_PROBLEM_TYPES.quotaExceeded,
          title: "Request cannot be satisfied as assigned quota has been exceeded",
          status: 429,
          detail: `Rate limit "${names}" exceeded; retry in ${decision.retryAfterSeconds ?? 1} s.`,
          ...at,
          "violated-policies": decision.violated,
        },
        { headers },
      );
    }
    case "blocked":
      return problemResponse(
        { type: RATE_LIMIT_PROBLEM_TYPES.denied, title: "Access denied", status: 403, detail: `This ${decision.blockedBy ?? "client"} is denied.`, ...at },
        { headers },
      );
    case "unavailable": {
      headers.set("retry-after", String(decision.retryAfterSeconds ?? 1));
      const closed = decision.policies.filter((o) => o.unavailable).map((o) => o.policy.name);
      return problemResponse(
        {
          type: PROBLEM_TYPES.dependencyUnavailable,
          title: "Rate limiting is unavailable",
          status: 503,
          detail: `Policy "${closed.join(", ")}" fails closed and its store is unreachable (${decision.degraded}).`,
          ...at,
          policies: closed,
        },
        { headers },
      );
    }
  }
}
