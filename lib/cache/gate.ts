/**
 * The cache gate (runs last: rate limit → idempotency → cache). For GET routes with a `cache` policy:
 * HIT/STALE are answered from the cache without reaching the route (`x-cache: HIT` or `STALE`, plus
 * `age`); a MISS continues with `x-cache: MISS`. On Next the fill ticket travels to the route in a
 * request header and `withCachedResponse` stores the 200 response; on Hono the gate's `after` hook
 * stores it — supplied as `createCacheGate({ store: storeAfterHandler })` (gate-store.ts), so Next's
 * middleware bundle carries no store path it can never run.
 *
 * Batched (issue 10): the key is hashed in `prepare`; the lookup — read, and on anything but a fresh
 * hit the fill lease, in one script — rides the rate limit's request. If the rate limit refuses, the
 * lease (if one was taken) is released through waitUntil, so other readers do not wait for a fill
 * that will never come; a fresh hit took no lease, so it has nothing to give back.
 */
import { defineGate, type Gate, type GateContext, type GateOutcome } from "../gate";
import type { AfterHook } from "../gate";
import type { GateKit } from "../kit";
import { CACHE_DEGRADED_HEADER, CACHE_FILL_HEADER, CACHE_STATUS_HEADER, responseCacheTarget, routeCachePolicy, type ResponseCacheDecision, type ResponseCacheTarget } from "./http-cache";
import { fillValidators } from "./fill-request";
import { issueResponseLookup } from "./response-lookup";

export interface CacheGateOptions<K extends GateKit = GateKit> {
  /**
   * Sends the background revalidation of a STALE hit. The default, `fetch` to the same path on
   * `config.revalidationOrigin` (APP_ORIGIN, or the request's own origin where its Host is trusted),
   * goes back through the platform (and this middleware, which recognises its own ticket) to the route
   * handler; with neither, nothing is sent and the STALE entry is served until it expires.
   */
  dispatch?: (request: Request) => Promise<Response>;
  /**
   * Builds the `after` hook of a MISS/STALE/BYPASS-with-ticket outcome, for runtimes that see the
   * route's response (Hono `gates()`: `storeAfterHandler` from ./gate-store). Omitted (Next's
   * middleware.ts): no hook — the route's `withCachedResponse` stores the response instead.
   */
  store?: CacheGateStore<K>;
}

/** A `continue` decision of the response cache lookup. */
export type CacheContinueDecision = Extract<ResponseCacheDecision, { action: "continue" }>;

/**
 * Makes the hook that stores the handler's response (or gives the fill lease back when it threw).
 * Storing writes the entry, so `storeAfterHandler` needs the whole Kit: a gate made with it is a `Gate<Kit>`.
 */
export type CacheGateStore<K extends GateKit = GateKit> = (ctx: GateContext<K>, target: ResponseCacheTarget, decision: CacheContinueDecision, ticket: string | null) => AfterHook;

/** Creates the gate; `cacheGate` is the default instance. */
export function createCacheGate<K extends GateKit = GateKit>(options: CacheGateOptions<K> = {}): Gate<K> {
  return defineGate<K>("cacheGate", async (ctx) => {
    const dispatch = options.dispatch ?? dispatchTo(ctx.kit.config.revalidationOrigin);
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
          decide: async () => outcomeOf(ctx, target, await lookup.decide({ waitUntil: ctx.waitUntil, dispatch }), options.store),
          discard: () => lookup.discard(),
        };
      },
    };
  });
}

/** The gate with default options (no `after` hook: the route stores), for middleware.ts GATES. */
export const cacheGate = createCacheGate();

function outcomeOf<K extends GateKit>(ctx: GateContext<K>, target: ResponseCacheTarget, decision: ResponseCacheDecision, store: CacheGateStore<K> | undefined): GateOutcome {
  if (decision.action === "respond") return { action: "respond", response: decision.response };
  const responseHeaders = new Headers({ [CACHE_STATUS_HEADER]: decision.status });
  if (decision.degraded) responseHeaders.set(CACHE_DEGRADED_HEADER, decision.degraded);
  // "" (a degraded lookup) is no ticket, as in withCachedResponse: it holds no lease and no captured
  // versions, so what the route answers must not be stored as valid (it may predate an invalidation).
  const ticket = decision.ticket || null;
  // Always overwrite the ticket header: a client-sent one must never reach the route as if it were ours.
  const requestHeaders = new Headers({ [CACHE_FILL_HEADER]: ticket ?? "" });
  // The fill goes to the route unconditional, or a route honouring the client's validators answers 304
  // and the entry is never filled (fill-request.ts). "" removes a field from the forwarded request.
  if (ticket) for (const name of fillValidators(ctx.request)) requestHeaders.set(name, "");
  if (!store) return { action: "continue", responseHeaders, requestHeaders };
  return { action: "continue", responseHeaders, requestHeaders, after: store(ctx, target, decision, ticket) };
}

/**
 * The default dispatch. Never to the request's own URL unless its Host is trusted: a self-hosted
 * `next start` builds that URL from the client's Host header, so a client could make the kit send a
 * signed request (its own headers, the fill ticket) to any host it names — internal ones included.
 */
function dispatchTo(origin: string | "request" | null): ((request: Request) => Promise<Response>) | undefined {
  if (origin === null) return undefined;
  if (origin === "request") return (request) => fetch(request);
  return (request) => {
    const { pathname, search } = new URL(request.url);
    return fetch(new Request(new URL(`${pathname}${search}`, origin), request));
  };
}

function stripped(request: Request): Headers | undefined {
  return request.headers.has(CACHE_FILL_HEADER) ? new Headers({ [CACHE_FILL_HEADER]: "" }) : undefined;
}

function stripTicket(request: Request): GateOutcome {
  const requestHeaders = stripped(request);
  return requestHeaders ? { action: "continue", requestHeaders } : { action: "continue" };
}
