/**
 * `withIdempotency(handler)`: the route half of idempotency on Next. The middleware gate has
 * claimed the key and forwarded the claim; this wrapper runs the handler, then stores its response
 * for replay or releases the claim (5xx per policy, thrown errors always), and rethrows errors
 * untouched. While the handler runs it renews the claim's lease (heartbeat.ts).
 *
 * Wrapped handlers are branded, so a test can find a route under an idempotency policy whose
 * handler is not wrapped (test/app/idempotency-wrapped.test.ts): such a route would claim keys
 * that are never completed, and every retry would get 409 until the lease lapses, then run again.
 */
import { KitError } from "../errors";
import { problemResponse, PROBLEM_TYPES } from "../http";
import type { Kit } from "../kit";
import { getKit } from "../kit-instance";
import { decodeForwardedState, FORWARDED_CLAIM_HEADER } from "./forwarded-claim";
import { finishWithError, finishWithResponse } from "./finish";
import { startClaimHeartbeat } from "./heartbeat";

const WRAPPED = Symbol.for("edge-kit.idempotency.with-idempotency");

export interface WithIdempotencyOptions {
  /** The kit whose store holds the claim. @default getKit() */
  kit?: () => Kit;
}

/** A Next route handler: the request plus Next's context (`{ params }`). */
export type RouteHandler<TContext> = (request: Request, context: TContext) => Response | Promise<Response>;

/** What a wrapped handler may use besides the request and Next's context. */
export interface IdempotentHandlerContext {
  /**
   * Aborts (reason: IdempotencyClaimLostError) if this request's claim is lost while the handler runs
   * — its lease lapsed despite the heartbeat (a frozen instance, Redis unreachable past the lease):
   * a retry may then run the handler again. Check it before an irreversible step, or pass it on.
   */
  signal: AbortSignal;
}

/** The handler `withIdempotency` wraps: a RouteHandler that may take the claim's signal as a third argument. */
export type IdempotentRouteHandler<TContext> = (request: Request, context: TContext, idempotency: IdempotentHandlerContext) => Response | Promise<Response>;

/**
 * @example
 * // app/api/orders/route.ts
 * export const POST = withIdempotency(async (req) => createOrderResponse(getKit(), req));
 */
export function withIdempotency<TContext = unknown>(
  handler: IdempotentRouteHandler<TContext>,
  options: WithIdempotencyOptions = {},
): RouteHandler<TContext> {
  const kitOf = options.kit ?? getKit;
  const wrapped: RouteHandler<TContext> = async function withIdempotency(request, context) {
    const state = decodeForwardedState(request.headers.get(FORWARDED_CLAIM_HEADER));
    if (!state) return gateMissing(request);
    if (state.kind === "pass") return handler(request, context, { signal: new AbortController().signal });

    const kit = kitOf();
    const claim = { recordKey: state.claim.k, token: state.claim.t, leaseMs: state.claim.leaseMs };
    // Keeps the in-flight lease ahead of a handler slower than it (heartbeat.ts).
    const heartbeat = startClaimHeartbeat(kit, claim);
    let response: Response;
    try {
      response = await handler(request, context, { signal: heartbeat.signal });
    } catch (err) {
      heartbeat.stop();
      await finishWithError(kit, claim);
      throw err;
    }
    heartbeat.stop();
    return (await finishWithResponse(kit, claim, state.claim, response)).response;
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

/** Whether `handler` was produced by {@link withIdempotency}. */
export function isIdempotencyWrapped(handler: unknown): boolean {
  return typeof handler === "function" && (handler as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

/**
 * No forwarded state: the middleware gate did not run for this request (matcher excludes the path,
 * or the route has no idempotency policy). Running the handler would bypass exactly-once, so refuse.
 */
function gateMissing(request: Request): Response {
  const error = new KitError(
    "E_IDEMPOTENCY_GATE_MISSING",
    `withIdempotency: no ${FORWARDED_CLAIM_HEADER} header on ${request.method} ${new URL(request.url).pathname}; ` +
      "the idempotency gate in middleware.ts did not run (check config.matcher and the route's idempotency policy in kit.config.ts)",
  );
  console.error(`[edge-kit] ${error.message}`);
  return problemResponse({
    type: PROBLEM_TYPES.internal,
    title: "Idempotency is misconfigured for this route",
    status: 500,
    code: error.code,
  });
}
