/**
 * The cache gate's `after` hook, for runtimes where the gates see the route's response (the Hono
 * `gates()` middleware: `createCacheGate({ store: storeAfterHandler })`). It stores the response as
 * `withCachedResponse` does on Next. Kept out of gate.ts so Next's middleware bundle, whose gates
 * never run it (the route stores), does not carry the store path (issue: edge bundle budget).
 */
import type { AfterHook, GateContext } from "../gate";
import type { Kit } from "../kit";
import { answerValidators } from "./fill-request";
import type { CacheContinueDecision } from "./gate";
import { CACHE_DEGRADED_HEADER, CACHE_STATUS_HEADER, storeResponse, UNSTORABLE_PASS_MS, type ResponseCacheTarget } from "./http-cache";

/**
 * Only a ticket this request proved is used; a client-sent header is ignored. When the handler threw,
 * nothing is stored and the lease becomes a pass marker, so readers neither wait it out nor queue
 * behind one another for a fill that keeps failing (http-cache.ts UNSTORABLE_PASS_MS).
 */
export function storeAfterHandler(ctx: GateContext<Kit>, target: ResponseCacheTarget, decision: CacheContinueDecision, ticket: string | null): AfterHook {
  return async (response, { error }) => {
    if (error !== undefined) {
      if (ticket) await ctx.kit.cache.withNamespace(target.namespace, target.policy).fill.pass(target.key, ticket, UNSTORABLE_PASS_MS);
      return response;
    }
    const stored = await storeResponse(ctx.kit, target, response, ticket, ctx.request.method);
    // The handler saw the fill unconditional (gates() swapped in unconditionalFill): the client's own
    // validators are answered here, from the full response.
    const answered = ticket ? answerValidators(ctx.request, stored.response) : stored.response;
    const headers = answered.headers;
    headers.set(CACHE_STATUS_HEADER, decision.status);
    if (decision.degraded) headers.set(CACHE_DEGRADED_HEADER, decision.degraded);
    return answered;
  };
}
