/**
 * Hono middleware `gates(options)`: the kit's three gates — rate limit → idempotency → cache — as ONE
 * middleware that sends all their Redis calls in ONE HTTP request (issue 10; lib/gate/run-gates.ts),
 * where the standalone `rateLimit()`, `idempotency()` and `cache()` middlewares each await their own.
 * Same decisions, headers and bodies as those (and as Next's middleware.ts, which runs the same gates):
 * the rate-limit decision lands on `c.var.rateLimit`, the claim's lost-claim signal on
 * `c.var.idempotencySignal`, the idempotency claim is settled and the cache
 * MISS stored after the handler (the gates' `after` hooks, innermost first).
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { CACHE_FILL_HEADER, createCacheGate, storeAfterHandler, unconditionalFill } from "../../lib/cache";
import { runGates, type Gate } from "../../lib/gate";
import { resolveIdentity, type UserResolver } from "../../lib/http";
import type { Kit } from "../../lib/kit";
import { createIdempotencyGate, settleAfterHandler, startForwardedClaimHeartbeat } from "../../lib/idempotency";
import { rateLimitGate } from "../../lib/ratelimit";
import type { AppEnv } from "../env";
import { waitUntilOf } from "../wait-until";

export interface GatesMiddlewareOptions {
  /** App-supplied user id (from a verified session/JWT) for per-user limits and idempotency scopes. */
  resolveUser?: UserResolver;
  /** The runtime's peer address, used when proxy headers are not trusted (e.g. @hono/node-server conninfo). */
  remoteAddress?: (c: Context<AppEnv>) => string | null;
  /** Sends the background revalidation of a STALE cache hit. Default: `fetch` to `config.revalidationOrigin` (lib/cache/gate.ts); registerGates passes `app.fetch`. */
  dispatch?: (request: Request) => Promise<Response>;
}

/**
 * @example
 * const app = new Hono<AppEnv>();            // with c.var.kit and c.var.route set (createApp does both)
 * app.use(gates({ dispatch: (req) => Promise.resolve(app.fetch(req)) }));
 */
export function gates(options: GatesMiddlewareOptions = {}): MiddlewareHandler<AppEnv> {
  // Gate<Kit>: the cache gate stores the response after the handler, which takes the whole Kit.
  const list: readonly Gate<Kit>[] = [
    rateLimitGate,
    createIdempotencyGate({ settle: settleAfterHandler }),
    createCacheGate({ store: storeAfterHandler, ...(options.dispatch ? { dispatch: options.dispatch } : {}) }),
  ];
  return async function gates(c, next) {
    const kit = c.get("kit");
    if (!kit) throw new Error("gates(): c.var.kit is not set; register provideKit(kit, { basePath, routes }) before gates() (edge/middleware/provide-kit.ts), as createApp does");
    const route = c.get("route");
    // undefined = never set (null = set, no table entry): gating nothing then would be silent — a
    // `required` idempotency route would run without a key. Loud, as Next's E_IDEMPOTENCY_GATE_MISSING.
    if (route === undefined) throw new Error("gates(): c.var.route is not set; register provideKit(kit, { basePath, routes }) before gates() (edge/middleware/provide-kit.ts)");
    if (route === null) return next();

    const identity = await resolveIdentity(c.req.raw, {
      trustProxy: kit.config.trustProxy,
      resolveUser: options.resolveUser,
      remoteAddress: options.remoteAddress?.(c) ?? null,
    });
    // Resolved once per request: Hono's executionCtx getter throws where there is none (plain Node).
    const waitUntil = waitUntilOf(c);
    const result = await runGates(list, { kit, request: c.req.raw, route, identity, waitUntil });
    if (result.variables.rateLimit) c.set("rateLimit", result.variables.rateLimit);
    if (result.action === "respond" && result.response) return result.response;

    // A cache fill reaches the handler without the client's validators (lib/cache/fill-request.ts); the
    // cache gate's after hook answers them from the full response. c.req.raw is what handlers read.
    if (result.requestHeaders.get(CACHE_FILL_HEADER)) c.req.raw = unconditionalFill(c.req.raw);
    // The idempotency claim's lease is renewed while the handler runs (lib/idempotency/heartbeat.ts).
    const heartbeat = startForwardedClaimHeartbeat(kit, result.requestHeaders, { waitUntil });
    if (heartbeat) c.set("idempotencySignal", heartbeat.signal);
    try {
      await next();
    } catch (error) {
      // A thrown non-Error skips Hono's onError and comes out of next(): still give back what the gates
      // took for this request (the cache's fill lease, the idempotency claim) before it propagates, or
      // every reader of the URL would wait out the lease for a fill that never comes.
      for (const after of [...result.after].reverse()) {
        await after(c.res, { error }).catch((err: unknown) => console.warn("[edge-kit] a gate could not give back its work after the handler threw:", err));
      }
      throw error;
    } finally {
      heartbeat?.stop();
    }
    // Innermost gate first, as separate middlewares would unwind (cache store, then idempotency settle).
    for (const after of [...result.after].reverse()) c.res = await after(c.res, c.error === undefined ? {} : { error: c.error });
    // Added after the handler so they reach every response it produces, errors included (onError's too).
    result.responseHeaders.forEach((value, name) => {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    });
  };
}

/** Registers `gates()` for every route of the table (edge/app.ts), dispatching revalidations to the app itself. */
export function registerGates(app: Hono<AppEnv, any, any>, options: Omit<GatesMiddlewareOptions, "dispatch"> = {}): void {
  app.use(gates({ ...options, dispatch: (request) => Promise.resolve(app.fetch(request)) }));
}
