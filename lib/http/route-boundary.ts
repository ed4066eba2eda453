/**
 * The error boundary of a Next route handler: whatever the handler did not answer itself becomes an
 * RFC 9457 problem through `errorResponse` (a dependency outage 503 + Retry-After, anything else a
 * 500 without internals, logged with its stack), never Next's bare 500 page. middleware.ts and the
 * Hono app's onError are the same boundary for the gates and the Hono routes (DESIGN.md §HTTP contract).
 *
 * It catches everything, Next's control-flow throws included (`redirect()`, `notFound()`): lib/ runs
 * without `next` and cannot recognise them to rethrow, so handlers it wraps return responses instead.
 */
import { errorResponse } from "./error-response";

/**
 * @example
 * export const POST = withErrorBoundary((request: Request) => createJobResponse(getKit(), request));
 */
export function withErrorBoundary<TRest extends unknown[]>(
  handler: (request: Request, ...rest: TRest) => Response | Promise<Response>,
): (request: Request, ...rest: TRest) => Promise<Response> {
  const bounded = async function withErrorBoundary(request: Request, ...rest: TRest): Promise<Response> {
    try {
      return await handler(request, ...rest);
    } catch (err) {
      const path = new URL(request.url).pathname;
      return errorResponse(err, { where: `${request.method} ${path}`, instance: path });
    }
  };
  // The wrapped handler's symbol brands (withIdempotency's) carry over, so checks such as
  // isIdempotencyWrapped still see the wrapper inside: withErrorBoundary(withIdempotency(handler)).
  for (const brand of Object.getOwnPropertySymbols(handler)) {
    Object.defineProperty(bounded, brand, Object.getOwnPropertyDescriptor(handler, brand)!);
  }
  return bounded;
}
