/**
 * The cache gate (runs last: rate limit → idempotency → cache). For GET routes with a `cache` policy:
 * HIT/STALE are answered from the cache without reaching the route (`x-cache: HIT` or `STALE`, plus
 * `age`); a MISS continues with `x-cache: MISS`. On Next the fill ticket travels to the route in a
 * request header and `withCachedResponse` stores the 200 response; on Hono the gate's `after` hook
 * stores it.
 *
 * Batched (issue 10): the key is hashed in `prepare`; the lookup — read, and on anything but a fresh
 * hit the fill lease, in one script — rides the rate limit's request. If the rate limit refuses, the
 * lease (if one was taken) is released through waitUntil, so other readers do not wait for a fill
 * that will never come; a fresh hit took no lease, so it has nothing to give back.
 */
import { defineGate, type GateContext, type GateOutcome } from "../gate";
import { CACHE_DEGRADED_HEADER, CACHE_FILL_HEADER, CACHE_STATUS_HEADER, responseCacheTarget, routeCachePolicy, storeResponse, type ResponseCacheDecision, type ResponseCacheTarget } from "./http-cache";
import { issueResponseLookup } from "./response-lookup";

export interface CacheGateOptions {
  /**
   * Sends the background revalidation of a STALE hit. The default, `fetch`, goes back through the
   * platform (and this middleware, which recognises its own ticket) to the route handler.
   */
  dispatch?: (request: Request) => Promise<Response>;
}

/** Creates the gate; `cacheGate` is the default instance. */
export function createCacheGate(options: CacheGateOptions = {}) {
  const dispatch = options.dispatch ?? ((request: Request) => fetch(request));
  return defineGate("cacheGate", async (ctx) => {
    const policy = routeCachePolicy(ctx.route, ctx.request.method);
    if (!policy) return { kind: "decided", outcome: stripTicket(ctx.request) };
    const target = await responseCacheTarget(ctx.request, ctx.route, policy);
    if (!target) {
      const bypass = { action: "continue", responseHeaders: new Headers({ [CACHE_STATUS_HEADER]: "BYPASS" }) } as const;
      const requestHeaders = stripped(ctx.request);
      return { kind: "decided", outcome: requestHeaders ? { ...bypass, requestHeaders } : bypass };
    }
    return {
      kind: "issue",
      async issue() {
        const lookup = await issueResponseLookup(ctx.kit, ctx.request, target);
        return {
          decide: async () => outcomeOf(ctx, target, await lookup.decide({ waitUntil: ctx.waitUntil, dispatch })),
          discard: () => lookup.discard(),
        };
      },
    };
  });
}

/** The gate with default options, for middleware.ts GATES. */
export const cacheGate = createCacheGate();

function outcomeOf(ctx: GateContext, target: ResponseCacheTarget, decision: ResponseCacheDecision): GateOutcome {
  if (decision.action === "respond") return { action: "respond", response: decision.response };
  const responseHeaders = new Headers({ [CACHE_STATUS_HEADER]: decision.status });
  if (decision.degraded) responseHeaders.set(CACHE_DEGRADED_HEADER, decision.degraded);
  // "" (a degraded lookup) is no ticket, as in withCachedResponse: it holds no lease and no captured
  // versions, so what the route answers must not be stored as valid (it may predate an invalidation).
  const ticket = decision.ticket || null;
  return {
    action: "continue",
    responseHeaders,
    // Always overwrite the ticket header: a client-sent one must never reach the route as if it were ours.
    requestHeaders: new Headers({ [CACHE_FILL_HEADER]: ticket ?? "" }),
    // Where the runtime sees the response (Hono): store it as withCachedResponse does on Next. Only a
    // ticket this request proved is used; a client-sent header is ignored.
    async after(response, { error }) {
      if (error !== undefined) {
        // The handler threw: nothing to store; give the lease back so readers do not wait it out.
        if (ticket) await ctx.kit.cache.withNamespace(target.namespace, target.policy).fill.release(target.key, ticket);
        return response;
      }
      const stored = await storeResponse(ctx.kit, target, response, ticket, ctx.request.method);
      const headers = stored.response.headers;
      headers.set(CACHE_STATUS_HEADER, decision.status);
      if (decision.degraded) headers.set(CACHE_DEGRADED_HEADER, decision.degraded);
      return stored.response;
    },
  };
}

function stripped(request: Request): Headers | undefined {
  return request.headers.has(CACHE_FILL_HEADER) ? new Headers({ [CACHE_FILL_HEADER]: "" }) : undefined;
}

function stripTicket(request: Request): GateOutcome {
  const requestHeaders = stripped(request);
  return requestHeaders ? { action: "continue", requestHeaders } : { action: "continue" };
}
