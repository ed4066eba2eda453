// Next middleware on the edge runtime (no `runtime` key: middleware.ts defaults to edge in Next 16).
// Thin by design: it matches the route in kit.config.ts and runs the kit's gates from lib/.
// To run it on Node instead: `git mv middleware.ts proxy.ts` and add `export { middleware as proxy };`
// (README "Running the gates on Node"); nothing else changes.
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { resolveUser, routes } from "./kit.config";
import { runGates, type Gate } from "./lib/gate";
import { errorResponse, resolveIdentity } from "./lib/http";
import { getGateKit } from "./lib/kit-instance";
import { createRouteTable, decodePath, relativeToBase } from "./lib/policy";
import { rateLimitGate } from "./lib/ratelimit";
import { FORWARDED_CLAIM_HEADER, idempotencyGate } from "./lib/idempotency";
import { CACHE_FILL_HEADER, cacheGate } from "./lib/cache";

const API_BASE = "/api";
// The Hono app's base: it gates itself (config.matcher below), whatever spelling the path arrives in.
const EDGE_BASE = "/api/edge";
const table = createRouteTable(routes);

/**
 * The dashboard page renders from the same Redis reads as GET /api/dashboard (about forty commands a
 * view, no token needed): gated as that path, so its views count against the same `api` budget.
 */
const DASHBOARD_PAGE = "/";
const DASHBOARD_API_PATH = "/dashboard";

/**
 * Order matters: the cheapest "no" first (rate limit), then idempotency claims, then cached reads.
 * runGates sends all their Redis calls in ONE HTTP request (issue 10, lib/gate/run-gates.ts), and none
 * for an identity this isolate has already refused.
 */
const GATES: readonly Gate[] = [rateLimitGate, idempotencyGate, cacheGate];

/**
 * Request headers only the gates may set for the route (the forwarded idempotency claim, the cache
 * fill ticket). A client's copy is dropped whenever the gates do not set them, so a route never acts
 * on one: `withIdempotency` then answers "gate missing" instead of trusting a forged `pass;no-key`.
 */
const GATE_ONLY_HEADERS = [FORWARDED_CLAIM_HEADER, CACHE_FILL_HEADER] as const;

export async function middleware(req: NextRequest, event: NextFetchEvent): Promise<Response> {
  // Decoded as Next's router decodes it to pick the route (decodePath): the raw spelling is the client's choice.
  const pathname = decodePath(req.nextUrl.pathname);
  const path =
    pathname === DASHBOARD_PAGE ? DASHBOARD_API_PATH : relativeToBase(pathname, EDGE_BASE) === null ? relativeToBase(pathname, API_BASE) : null;
  const route = path === null ? null : table.match(req.method, path);
  if (!route || GATES.length === 0) {
    if (!GATE_ONLY_HEADERS.some((name) => req.headers.has(name))) return NextResponse.next();
    const stripped = new Headers(req.headers);
    for (const name of GATE_ONLY_HEADERS) stripped.delete(name);
    return NextResponse.next({ request: { headers: stripped } });
  }

  let result: Awaited<ReturnType<typeof runGates>>;
  try {
    // Inside the boundary too: a config that fails validation at run time (`next build` skipped it with
    // EDGE_KIT_SKIP_CONFIG_VALIDATION) is a 500 problem naming nothing, its variables logged.
    // The gates need only the lookup-and-lease side of the cache: the bundle leaves the rest out (lib/kit.ts).
    const kit = getGateKit();
    const identity = await resolveIdentity(req, { trustProxy: kit.config.trustProxy, ...(resolveUser ? { resolveUser } : {}) });
    result = await runGates(GATES, { kit, request: req, route, identity, waitUntil: (p) => event.waitUntil(p) });
  } catch (err) {
    // The boundary: a fail-closed gate with Redis down is a 503 + Retry-After, an unkeyable id a 400,
    // anything else a 500 problem without internals — never Next's bare 500 (lib/http errorResponse).
    return errorResponse(err, { where: `${req.method} ${req.nextUrl.pathname}`, instance: req.nextUrl.pathname });
  }
  if (result.action === "respond" && result.response) return withAbsoluteLocation(result.response, req.url);

  const requestHeaders = new Headers(req.headers);
  for (const name of GATE_ONLY_HEADERS) requestHeaders.delete(name);
  // An empty value removes the field (a gate dropping a client header, e.g. a cache fill's validators).
  result.requestHeaders.forEach((value, name) => (value === "" ? requestHeaders.delete(name) : requestHeaders.set(name, value)));
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  result.responseHeaders.forEach((value, name) => response.headers.set(name, value));
  return response;
}

/**
 * Next's middleware adapter parses a response's Location with `new NextURL(location)`, which throws on
 * a relative reference (a 500 for every idempotent replay of a route answering `Location: /api/orders/…`,
 * which RFC 9110 §10.2.2 allows). Resolved against the request here; Next turns a same-host URL back
 * into a relative one on the way out, so clients see what the route sent.
 */
function withAbsoluteLocation(response: Response, base: string): Response {
  const location = response.headers.get("location");
  if (!location || /^[a-z][a-z0-9+.-]*:/i.test(location)) return response;
  const headers = new Headers(response.headers);
  headers.set("location", new URL(location, base).toString());
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export const config = {
  // /api/* except /api/edge/* (the Hono app gates itself; no double counting), and the dashboard page.
  matcher: ["/api/((?!edge(?:/|$)).*)", "/"],
};
