/**
 * Hono middleware `cache(options)`: the whole cached-read cycle in one place, with the same keys,
 * headers and decisions as Next's `cacheGate` + `withCachedResponse`. HIT/STALE answer without
 * running the handler; MISS runs it and stores a cacheable 200 response; STALE is revalidated in the
 * background through `dispatch` (by default the app itself, so no network hop).
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import {
  CACHE_DEGRADED_HEADER,
  CACHE_STATUS_HEADER,
  lookupResponse,
  responseCacheTarget,
  routeCachePolicy,
  storeResponse,
  UNSTORABLE_PASS_MS,
  answerValidators,
  unconditionalFill,
  type RouteCachePolicy,
} from "../../lib/cache";
import type { AppEnv } from "../env";
import { waitUntilOf } from "../wait-until";

export interface CacheMiddlewareOptions {
  /** The policy to apply. @default the matched kit.config.ts route's `cache` (`c.var.route`) */
  policy?: RouteCachePolicy;
  /** Sends the background revalidation of a STALE hit. @default global `fetch` */
  dispatch?: (request: Request) => Promise<Response>;
}

/**
 * @example
 * app.use(cache({ dispatch: (req) => app.fetch(req) }));
 */
export function cache(options: CacheMiddlewareOptions = {}): MiddlewareHandler<AppEnv> {
  const dispatch = options.dispatch ?? ((request: Request) => fetch(request));
  return async function cache(c, next) {
    const kit = c.get("kit");
    const matched = c.get("route");
    const route = options.policy && matched ? { ...matched, policy: { ...matched.policy, cache: options.policy } } : matched;
    const policy = routeCachePolicy(route, c.req.method);
    if (!policy || !route) return next();
    const target = await responseCacheTarget(c.req.raw, route, policy);
    if (!target) {
      await next();
      c.res.headers.set(CACHE_STATUS_HEADER, "BYPASS");
      return;
    }
    const decision = await lookupResponse(kit, c.req.raw, target, { waitUntil: (p) => waitUntil(c, p), dispatch });
    if (decision.action === "respond") return decision.response;
    // Only a ticket this request proved is used; a client-sent header is ignored. "" (a degraded
    // lookup) is no ticket: there are no captured versions to store it as valid with (as on Next).
    const ticket = decision.ticket || null;
    // The fill goes to the handler unconditional; the client's validators are answered after the store
    // (lib/cache/fill-request.ts).
    const asked = c.req.raw;
    if (ticket) c.req.raw = unconditionalFill(asked);
    // Nothing stored after a throw: a pass marker, so readers neither wait nor queue (UNSTORABLE_PASS_MS).
    const release = () => (ticket ? kit.cache.withNamespace(target.namespace, target.policy).fill.pass(target.key, ticket, UNSTORABLE_PASS_MS) : Promise.resolve());
    try {
      await next();
    } catch (error) {
      // A thrown non-Error skips Hono's onError: give the fill lease back before it propagates.
      await release().catch((err: unknown) => console.warn("[edge-kit] could not release the cache fill lease after the handler threw:", err));
      throw error;
    }
    if (c.error !== undefined) {
      // The handler threw (onError answered): nothing to store, and the lease goes back at once.
      await release();
    } else {
      const stored = (await storeResponse(kit, target, c.res, ticket, c.req.method)).response;
      c.res = ticket ? answerValidators(asked, stored) : stored;
    }
    c.res.headers.set(CACHE_STATUS_HEADER, decision.status);
    if (decision.degraded) c.res.headers.set(CACHE_DEGRADED_HEADER, decision.degraded);
  };
}

/** Registers `cache()` for every route of the table (edge/app.ts, after rate limit and idempotency). */
export function registerCache(app: Hono<AppEnv, any, any>): void {
  app.use(cache({ dispatch: (request) => Promise.resolve(app.fetch(request)) }));
}

/** Background work goes to the runtime's executionCtx where there is one (edge/wait-until.ts). */
function waitUntil(c: Context<AppEnv>, promise: Promise<unknown>): void {
  waitUntilOf(c)(promise);
}
