/**
 * The app's route → policy table, shared by Next's middleware.ts (paths under /api) and the Hono app
 * (paths under /api/edge): patterns are written relative to the API base, so one table serves both.
 * Matching is deliberately tiny (literal segments, `:param`, trailing `*`): it runs on every request
 * at the edge, and path-to-regexp is not needed for this grammar.
 */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export interface RouteDefinition<TPolicy> {
  /** e.g. "/items/:id", "/orders", "/admin/*". Relative to the API base path. */
  pattern: string;
  /** Methods this entry applies to. @default every method */
  methods?: readonly HttpMethod[];
  /** Stable name used in headers, keys and metrics (e.g. "orders.create"). @default the pattern */
  name?: string;
  policy: TPolicy;
}

export interface MatchedRoute<TPolicy> {
  name: string;
  pattern: string;
  params: Readonly<Record<string, string>>;
  policy: TPolicy;
  /**
   * The path that matched, relative to the API base and with empty segments dropped (`/admin/refunds`
   * for `/api/edge/admin//refunds` under `/admin/*`): the same for a request under `/api` and `/api/edge`,
   * and the only record of what a trailing `*` matched. Absent on hand-built routes.
   */
  path?: string;
}

interface CompiledRoute<TPolicy> {
  definition: RouteDefinition<TPolicy>;
  segments: readonly string[];
  wildcard: boolean;
}

export interface RouteTable<TPolicy> {
  readonly routes: readonly RouteDefinition<TPolicy>[];
  /**
   * First entry whose pattern and method match `path` (relative to the API base), or null. HEAD is
   * GET without the body (RFC 9110 §9.3.2), so an entry listing GET also serves HEAD — the same
   * route name and rate-limit budget — unless an entry listing HEAD itself matches the path.
   */
  match(method: string, path: string): MatchedRoute<TPolicy> | null;
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

export function createRouteTable<TPolicy>(routes: readonly RouteDefinition<TPolicy>[]): RouteTable<TPolicy> {
  const compiled: CompiledRoute<TPolicy>[] = routes.map((definition) => {
    const segments = splitPath(definition.pattern);
    const wildcard = segments.at(-1) === "*";
    if (segments.slice(0, -1).includes("*")) throw new Error(`Route "${definition.pattern}": "*" is only allowed last`);
    return { definition, segments: wildcard ? segments.slice(0, -1) : segments, wildcard };
  });

  // `explicit`: only entries that name the method (HEAD's own entries); otherwise an entry without a
  // method list matches every method.
  const first = (method: HttpMethod, parts: readonly string[], explicit: boolean): MatchedRoute<TPolicy> | null => {
    for (const { definition, segments, wildcard } of compiled) {
      const listed = definition.methods?.includes(method);
      if (explicit ? !listed : definition.methods && !listed) continue;
      if (wildcard ? parts.length < segments.length : parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const seg = segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(":")) {
          try {
            params[seg.slice(1)] = decodeURIComponent(part);
          } catch {
            ok = false; // malformed %-escape: not this route (the route itself will answer 400/404)
          }
        } else ok = seg === part;
      }
      if (ok) return { name: definition.name ?? definition.pattern, pattern: definition.pattern, params, policy: definition.policy, path: `/${parts.join("/")}` };
    }
    return null;
  };

  return {
    routes,
    match(method, path) {
      const upper = method.toUpperCase() as HttpMethod;
      const parts = splitPath(path);
      // HEAD: an entry naming HEAD is the app's explicit choice; otherwise HEAD is matched as the GET
      // it mirrors (RFC 9110 §9.3.2), so it lands on GET's entry — not on a catch-all after it, which
      // would skip GET's cache and charge another budget. Its policy is GET's, response cache included:
      // the cache gate only reads for a HEAD (never the fill lease: a HEAD has nothing to store).
      if (upper === "HEAD") return first("HEAD", parts, true) ?? first("GET", parts, false);
      return first(upper, parts, false);
    },
  };
}

/**
 * `pathname` with every %-escape decoded, `%2F` included, except `%25` (decoded once by the table's
 * params, never twice): the gates match the path a router that decodes would serve, never the
 * spelling the client chose. Next's `nextUrl.pathname` stays raw while its matcher also runs the
 * middleware for the decoded path, so `/api/%6Frders` was gated by the catch-all instead of `/orders`'
 * policies, and `/%61pi/jobs` by nothing. next start 16 itself answers those spellings 404 (an encoded
 * static segment; test/e2e/contract.test.ts), so this is defence in depth for routers that decode
 * more (Hono's `c.req.path` is decoded by Hono, for its router). A malformed escape is left as it is.
 */
export function decodePath(pathname: string): string {
  if (!pathname.includes("%")) return pathname;
  try {
    return decodeURIComponent(pathname.replace(/%25/g, "%2525"));
  } catch {
    return pathname;
  }
}

/**
 * The path relative to the API base: "/api/orders" → "/orders" for base "/api". Returns null when
 * `pathname` is not under the base.
 */
export function relativeToBase(pathname: string, basePath: string): string | null {
  const base = basePath.endsWith("/") ? basePath.slice(0, -1) : basePath;
  if (base === "") return pathname;
  if (pathname === base) return "/";
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : null;
}
