/**
 * Hono middleware `provideKit(kit, { basePath, routes })`: sets `c.var.kit` and `c.var.route` (the
 * policy-table entry of this request, or null) — what `gates()` and the standalone middlewares read.
 * createApp registers it first; an app of your own does the same before `gates()`.
 * `kit` may be a function of the context: on Workers the bindings exist only per request.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Kit } from "../../lib/kit";
import { createRouteTable, relativeToBase, type RouteDefinition, type RoutePolicy } from "../../lib/policy";
import type { AppEnv } from "../env";

export interface ProvideKitOptions {
  /** Where the app is mounted; table patterns are relative to it. @default "/" */
  basePath?: string;
  /** The policy table (kit.config.ts `routes`). */
  routes: readonly RouteDefinition<RoutePolicy>[];
}

/**
 * @example
 * const app = new Hono<AppEnv>().basePath("/api");
 * app.use(provideKit((c) => kitFor(c.env), { basePath: "/api", routes }), gates({ dispatch: (r) => Promise.resolve(app.fetch(r)) }));
 */
export function provideKit(kit: Kit | ((c: Context<AppEnv>) => Kit), options: ProvideKitOptions): MiddlewareHandler<AppEnv> {
  const basePath = options.basePath ?? "/";
  const table = createRouteTable(options.routes);
  return async function provideKitAndRoute(c, next) {
    c.set("kit", typeof kit === "function" ? kit(c) : kit);
    const path = relativeToBase(c.req.path, basePath);
    c.set("route", path === null ? null : table.match(c.req.method, path));
    await next();
  };
}
