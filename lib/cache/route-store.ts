/**
 * The route-handler half of the Next cached read: middleware.ts answered HITs; on a MISS the route
 * runs and `withCachedResponse` stores its 200 response under the same key the gate computed (it
 * recomputes it from the request — the ticket header only carries the lease, never the key, so a
 * client cannot make the route store under another request's key).
 */
import type { Kit } from "../kit";
import { createRouteTable, relativeToBase, type RouteDefinition, type RoutePolicy } from "../policy";
import { CACHE_FILL_HEADER, CACHE_STATUS_HEADER, responseCacheTarget, routeCachePolicy, storeResponse, type StoreOutcome } from "./http-cache";

export interface WithCachedResponseOptions {
  /** The kit (usually `getKit`), resolved per request so nothing is built at import time. */
  kit: () => Kit;
  /** The app's policy table (kit.config.ts `routes`). */
  routes: readonly RouteDefinition<RoutePolicy>[];
  /** Where the routes are mounted. @default "/api" */
  basePath?: string;
}

/**
 * Wraps a Next route handler (or any `(Request, ctx) => Response`) so a cacheable 200 response is
 * stored after it runs. Responses the policy does not cover pass through untouched.
 * @example export const GET = withCachedResponse(async (req, { params }) => Response.json(await load((await params).id)), { kit: getKit, routes });
 */
export function withCachedResponse<C>(handler: (request: Request, context: C) => Response | Promise<Response>, options: WithCachedResponseOptions) {
  const table = createRouteTable(options.routes);
  const basePath = options.basePath ?? "/api";
  return async function cachedRouteHandler(request: Request, context: C): Promise<Response> {
    const response = await handler(request, context);
    const path = relativeToBase(new URL(request.url).pathname, basePath);
    const route = path === null ? null : table.match(request.method, path);
    if (!route) return response;
    return (await storeCachedResponse(options.kit(), request, response, route)).response;
  };
}

/**
 * Stores `response` for `request` under `route`'s cache policy (status 200, size-capped, allow-listed
 * headers) and releases the fill lease the gate took. The returned response must be sent instead of
 * `response` (its body has been read).
 */
export async function storeCachedResponse(
  kit: Kit,
  request: Request,
  response: Response,
  route: Parameters<typeof routeCachePolicy>[0],
): Promise<{ response: Response; outcome: StoreOutcome | "no-policy" }> {
  const policy = routeCachePolicy(route, request.method);
  if (!policy || !route) return { response, outcome: "no-policy" };
  const target = await responseCacheTarget(request, route, policy);
  if (!target) return { response, outcome: "no-policy" };
  const ticket = request.headers.get(CACHE_FILL_HEADER) || null;
  const stored = await storeResponse(kit, target, response, ticket, request.method);
  if (!stored.response.headers.has(CACHE_STATUS_HEADER)) {
    const headers = new Headers(stored.response.headers);
    headers.set(CACHE_STATUS_HEADER, "MISS");
    return { response: new Response(stored.response.body, { status: stored.response.status, statusText: stored.response.statusText, headers }), outcome: stored.outcome };
  }
  return stored;
}
