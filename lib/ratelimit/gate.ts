/**
 * The rate-limit gate for Next's middleware.ts and the Hono `gates()` middleware: the FIRST gate,
 * because refusing is the cheapest thing a request can get (no idempotency claim, no cache read).
 * Two-phase (lib/gate): identities are hashed and the deny list / cached denials checked in
 * `prepare` — a repeat offender is refused there, before any Redis call, and the gates after this one
 * send nothing either (0 requests). Otherwise the limiter calls go out in the shared batch.
 */
import { defineGate, INTERNAL_REQUEST_HEADER, isInternalRequest, type GateOutcome } from "../gate";
import { prepareRateLimit } from "./check";
import { decisionHeaders, refusalResponse } from "./responses";
import type { RouteRateLimit } from "./settings";
import type { RateLimitDecision } from "./types";

/**
 * Applies the matched route's `rateLimit` policies: refuses with 429 / 403 / 503, or lets the request
 * through with the RateLimit header fields added to the route's response. `pending` work goes to
 * `ctx.waitUntil` (Next: `event.waitUntil`). The decision is exposed as `variables.rateLimit`.
 */
export const rateLimitGate = defineGate("rateLimitGate", async (ctx) => {
  const rateLimit = ctx.route.policy.rateLimit;
  if (!rateLimit) return { kind: "decided", outcome: { action: "continue" } };
  // The kit's own background revalidation is not client traffic: never charged (lib/gate/internal-request.ts).
  if (ctx.request.headers.has(INTERNAL_REQUEST_HEADER) && (await isInternalRequest(ctx.kit, ctx.request))) return { kind: "decided", outcome: { action: "continue" } };
  const prepared = await prepareRateLimit(ctx.kit, { identity: ctx.identity, routeName: ctx.route.name, rateLimit });
  const answer = (decision: RateLimitDecision): GateOutcome => {
    ctx.waitUntil(decision.pending);
    return outcomeOf(decision, rateLimit, new URL(ctx.request.url).pathname);
  };
  if (prepared.decided) return { kind: "decided", outcome: answer(prepared.decided) };
  return {
    kind: "issue",
    async issue() {
      const decision = await prepared.run();
      // Handed to waitUntil whether or not this gate decides: the counters and penalty writes are owed either way.
      const outcome = answer(decision);
      return { decide: () => outcome };
    },
  };
});

function outcomeOf(decision: RateLimitDecision, rateLimit: RouteRateLimit, path: string): GateOutcome {
  const variables = { rateLimit: decision };
  const refusal = refusalResponse(decision, rateLimit.settings, path);
  if (refusal) return { action: "respond", response: refusal, variables };
  return { action: "continue", responseHeaders: decisionHeaders(decision, rateLimit.settings), variables };
}
