/**
 * Hono middleware `rateLimit(options)`: the same decision, headers and refusals as Next's
 * `rateLimitGate`, with the decision on the typed `c.var.rateLimit` and `pending` work handed to the
 * runtime's `executionCtx.waitUntil` where there is one (workerd, Vercel); on Node it simply runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { INTERNAL_REQUEST_HEADER, isInternalRequest } from "../../lib/gate";
import { resolveIdentity, type UserResolver } from "../../lib/http";
import { checkRateLimit, decisionHeaders, refusalResponse, type RouteRateLimit } from "../../lib/ratelimit";
import type { AppEnv } from "../env";
import { waitUntilOf } from "../wait-until";

export interface RateLimitMiddlewareOptions {
  /**
   * The policies to apply (`rateLimits.use("login")`). Default: the matched kit.config.ts route's
   * `rateLimit` (`c.var.route`), so one `app.use(rateLimit())` covers the whole table.
   */
  policies?: RouteRateLimit;
  /**
   * Scope of per-route policies (`api`: one budget per endpoint).
   * @default the matched route's name, else Hono's `c.req.routePath`
   */
  name?: string;
  /** App-supplied user id (from a verified session/JWT) for `user-or-ip` / `ip-and-user` policies. */
  resolveUser?: UserResolver;
  /** The runtime's peer address, used when proxy headers are not trusted (e.g. @hono/node-server conninfo). */
  remoteAddress?: (c: Context<AppEnv>) => string | null;
}

/**
 * @example
 * app.use("/api/edge/login", rateLimit({ policies: rateLimits.use("login"), resolveUser }));
 * app.get("/whoami", (c) => c.json({ remaining: c.var.rateLimit?.policies[0]?.remaining }));
 */
export function rateLimit(options: RateLimitMiddlewareOptions = {}): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const kit = c.get("kit");
    if (!kit) throw new Error("rateLimit(): c.var.kit is not set; mount it in an app built by createApp(kit)");
    const route = c.get("route");
    const policies = options.policies ?? (route?.policy.rateLimit || undefined);
    // The kit's own background revalidation is not client traffic: never charged (lib/gate/internal-request.ts).
    if (!policies || (c.req.raw.headers.has(INTERNAL_REQUEST_HEADER) && (await isInternalRequest(kit, c.req.raw)))) return next();

    const identity = await resolveIdentity(c.req.raw, {
      trustProxy: kit.config.trustProxy,
      resolveUser: options.resolveUser,
      remoteAddress: options.remoteAddress?.(c) ?? null,
    });
    const routeName = options.name ?? route?.name ?? c.req.routePath;
    const decision = await checkRateLimit(kit, { identity, routeName, rateLimit: policies });
    c.set("rateLimit", decision);
    waitUntil(c, decision.pending);

    const refusal = refusalResponse(decision, policies.settings, c.req.path);
    if (refusal) return refusal;
    await next();
    // Added after the handler so they reach every response it produces, errors included (onError's too).
    decisionHeaders(decision, policies.settings).forEach((value, name) => {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    });
  };
}

/** Registers `rateLimit()` for every route of the table (edge/app.ts calls this first, before other gates). */
export function registerRateLimit(app: { use: (handler: MiddlewareHandler<AppEnv>) => unknown }): void {
  app.use(rateLimit());
}

/** Background work goes to the runtime's executionCtx where there is one (edge/wait-until.ts). */
function waitUntil(c: Context<AppEnv>, promise: Promise<unknown>): void {
  waitUntilOf(c)(promise);
}
