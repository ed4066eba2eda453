/**
 * The route-handler half of the Next cached read: middleware.ts answered HITs; on a MISS the route
 * runs and `withCachedResponse` stores its 200 response under the same key the gate computed (it
 * recomputes it from the request — the ticket header only carries the lease, never the key, so a
 * client cannot make the route store under another request's key).
 */
import type { Kit } from "../kit";
import { createRouteTable, decodePath, relativeToBase, type RouteDefinition, type RoutePolicy } from "../policy";
import { CACHE_FILL_HEADER, CACHE_STATUS_HEADER, responseCacheTarget, routeCachePolicy, storeResponse, UNSTORABLE_PASS_MS, type StoreOutcome } from "./http-cache";

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
    // Decoded as middleware.ts matches it (decodePath), so both find the same route and lease.
    const path = relativeToBase(decodePath(new URL(request.url).pathname), basePath);
    const route = path === null ? null : table.match(request.method, path);
    let response: Response;
    try {
      response = await handler(request, context);
    } catch (err) {
      // Nothing will be stored: turn the gate's fill lease into a pass marker now, or every reader of
      // this URL waits (up to 3 s) for a fill that never comes — one at a time while the route keeps
      // failing. Then let Next answer the error as it would have.
      if (route) await passFill(options.kit(), request, route).catch((e: unknown) => console.warn("[edge-kit] could not give back the cache fill lease after the route threw:", e));
      throw err;
    }
    if (!route) return response;
    return (await storeCachedResponse(options.kit(), request, response, route)).response;
  };
}

/** Passes the lease held by the request's fill ticket, if any (token-checked: only the holder's). */
async function passFill(kit: Kit, request: Request, route: NonNullable<Parameters<typeof routeCachePolicy>[0]>): Promise<void> {
  const ticket = request.headers.get(CACHE_FILL_HEADER);
  const policy = routeCachePolicy(route, request.method);
  if (!ticket || !policy) return;
  const target = await responseCacheTarget(request, route, policy);
  if (target) await kit.cache.withNamespace(target.namespace, target.policy).fill.pass(target.key, ticket, UNSTORABLE_PASS_MS);
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
