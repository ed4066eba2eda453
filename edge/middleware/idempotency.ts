/**
 * Hono middleware `idempotency(options)`: the whole Idempotency-Key cycle around `await next()` —
 * 400/409/410/413/422/503 or a replay before the handler; after it, the response is stored for replay
 * or the claim released (5xx per policy; an error thrown by the handler always releases); while the
 * handler runs, the claim's lease is renewed (lib/idempotency/heartbeat.ts). Same
 * decisions, same bytes as Next's gate + `withIdempotency`, because both call lib/idempotency.
 */
import type { Context, MiddlewareHandler } from "hono";
import { resolveIdentity, type UserResolver } from "../../lib/http";
import {
  beginIdempotentRequest,
  finishWithError,
  finishWithResponse,
  IDEMPOTENCY_DEGRADED_HEADER,
  resolveIdempotencyPolicy,
  startClaimHeartbeat,
  type IdempotencyPolicy,
} from "../../lib/idempotency";
import { deferCounts } from "../../lib/gate";
import type { AppEnv } from "../env";
import { waitUntilOf } from "../wait-until";

export interface IdempotencyMiddlewareOptions {
  /** The policy to apply. Default: the matched kit.config.ts route's `idempotency` (`c.var.route`). */
  policy?: IdempotencyPolicy;
  /**
   * Route name in fingerprints. @default the matched route's name, else Hono's `c.req.routePath`.
   * The request path is fingerprinted too (relative to the API base for a matched route, else whole),
   * so a pattern that captures nothing (`app.use("/api/*", idempotency())`) never replays one
   * path's response for another: that is the draft's 422.
   */
  name?: string;
  /** App-supplied user id (from a verified session/JWT): scopes keys per user instead of per IP. */
  resolveUser?: UserResolver;
  /** The runtime's peer address, used when proxy headers are not trusted (e.g. @hono/node-server conninfo). */
  remoteAddress?: (c: Context<AppEnv>) => string | null;
}

/**
 * @example
 * app.use(idempotency());                                    // every route with a policy in kit.config.ts
 * app.post("/payments", idempotency({ policy: { required: true, lease: "30 s" } }), handler);
 */
export function idempotency(options: IdempotencyMiddlewareOptions = {}): MiddlewareHandler<AppEnv> {
  return async function idempotency(c, next) {
    const kit = c.get("kit");
    if (!kit) throw new Error("idempotency(): c.var.kit is not set; mount it in an app built by createApp(kit)");
    const route = c.get("route");
    const configured = options.policy ?? (route?.policy.idempotency || undefined);
    if (!configured) return next();
    const policy = resolveIdempotencyPolicy(configured, kit.config);

    const identity = await resolveIdentity(c.req.raw, {
      trustProxy: kit.config.trustProxy,
      resolveUser: options.resolveUser,
      remoteAddress: options.remoteAddress?.(c) ?? null,
    });
    const waitUntil = waitUntilOf(c);
    const begun = await beginIdempotentRequest({
      kit,
      request: c.req.raw,
      route: { name: options.name ?? route?.name ?? c.req.routePath, params: route?.params ?? c.req.param(), path: route?.path ?? c.req.path },
      identity,
      policy,
      waitUntil,
    });

    switch (begun.action) {
      case "respond":
        // Counted in the isolate; the sum rides a later round trip (lib/gate/deferred-counts.ts).
        deferCounts(kit, "idempotency", { [begun.outcome]: 1 });
        return begun.response;
      case "skip":
        return next();
      case "bypass":
        console.warn(`[edge-kit] idempotency degraded (${begun.degraded}) on ${c.req.path}: running without idempotency (fail-open).`);
        deferCounts(kit, "idempotency", { bypassed: 1 });
        await next();
        c.res.headers.set(IDEMPOTENCY_DEGRADED_HEADER, begun.degraded);
        return;
      case "proceed": {
        // Not counted here: the settle step counts its outcome (stored/released/lost…), one write per request.
        const heartbeat = startClaimHeartbeat(kit, begun.claim, { waitUntil });
        c.set("idempotencySignal", heartbeat.signal);
        try {
          await next();
        } catch (error) {
          // A thrown non-Error skips Hono's onError and comes out of next(): release the claim before it
          // propagates, or every retry with this key is answered 409 until the lease lapses (as gates() does).
          heartbeat.stop();
          await finishWithError(kit, begun.claim).catch((err: unknown) => console.warn("[edge-kit] idempotency: could not release the claim after the handler threw:", err));
          throw error;
        } finally {
          heartbeat.stop();
        }
        // Hono's compose turns a thrown handler error into onError's response and keeps it in c.error.
        if (c.error) {
          await finishWithError(kit, begun.claim);
          return;
        }
        const { response } = await finishWithResponse(kit, begun.claim, policy, c.res);
        if (response !== c.res) c.res = response;
        return;
      }
    }
  };
}

/** Registers `idempotency()` for every route of the table (edge/app.ts, after the rate limit). */
export function registerIdempotency(app: { use: (handler: MiddlewareHandler<AppEnv>) => unknown }): void {
  app.use(idempotency());
}
