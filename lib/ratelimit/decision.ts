/**
 * Turning per-identity answers into one decision: merge a policy's identities, combine policies
 * (429 beats 503: a known exhausted quota is the more precise answer), count the outcome.
 */
import type { LimiterRegistry } from "./limiters";
import type { ResolvedRateLimitPolicy } from "./policy";
import type { PolicyOutcome, RateLimitDecision } from "./types";

/** One identity's answer for one policy. */
export interface SubjectResult {
  success: boolean;
  remaining: number;
  reset: number;
  source: "redis" | "cache" | "penalty" | "local";
}

/** One policy's identities → one outcome: all must pass; remaining is the tightest; reset the latest refusal. */
export function merge(policy: ResolvedRateLimitPolicy, results: SubjectResult[]): PolicyOutcome {
  const failed = results.filter((r) => !r.success);
  const tightest = results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  if (failed.length === 0) return { policy, success: true, source: tightest.source, remaining: tightest.remaining, reset: tightest.reset };
  const worst = failed.reduce((a, b) => (b.reset > a.reset ? b : a));
  return { policy, success: false, source: worst.source, remaining: 0, reset: worst.reset };
}

export function combine(outcomes: PolicyOutcome[], now: number): Omit<RateLimitDecision, "pending" | "decidedAt"> {
  const violated = outcomes.filter((o) => !o.success && !o.unavailable);
  const unavailable = outcomes.filter((o) => o.unavailable);
  const degraded = outcomes.find((o) => o.degraded)?.degraded;
  const base = { policies: outcomes, violated: violated.map((o) => o.policy.name), ...(degraded ? { degraded } : {}) };
  if (violated.length > 0) {
    // Retry-After SHOULD NOT point earlier than any violated policy's `t` (ratelimit-headers draft, server rules).
    const seconds = Math.max(...violated.map((o) => Math.ceil(((o.reset ?? now) - now) / 1000)));
    return { ...base, outcome: "limited", success: false, retryAfterSeconds: Math.max(1, seconds) };
  }
  if (unavailable.length > 0) {
    const ms = Math.max(0, ...unavailable.map((o) => o.retryAfterMs ?? 0));
    return { ...base, outcome: "unavailable", success: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
  }
  return { ...base, outcome: "allowed", success: true };
}

export function blocked(policies: readonly ResolvedRateLimitPolicy[], by: "ip" | "user"): Omit<RateLimitDecision, "pending" | "decidedAt"> {
  return {
    outcome: "blocked",
    success: false,
    policies: policies.map((policy) => ({ policy, success: true, source: "unmeasured" as const })),
    violated: [],
    blockedBy: by,
  };
}

export function finishDecision(
  registry: LimiterRegistry,
  decision: Omit<RateLimitDecision, "pending" | "decidedAt">,
  now: number,
  pending: Promise<unknown>[],
): RateLimitDecision {
  const { counts } = registry;
  counts.add(decision.outcome);
  if (decision.degraded) {
    counts.add("degraded");
    counts.add(`degraded.${decision.degraded}`);
  }
  for (const o of decision.policies) if (!o.success && !o.unavailable) counts.add(`denied.${o.source}`);
  const flush = counts.flushIfDue();
  if (flush) pending.push(flush);
  // The library's `pending` is a no-op for these algorithms with analytics off, but it is the contract.
  const settled = Promise.allSettled(pending);
  return { ...decision, decidedAt: now, pending: settled };
}
