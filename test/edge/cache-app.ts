/**
 * The standalone `cache()` middleware on a bare Hono app under BASE (no createApp, no gates()): the
 * kit and the matched route set by hand, as an app assembling its own middlewares would.
 */
import { Hono } from "hono";
import type { AppEnv } from "@/edge/env";
import { cache } from "@/edge/middleware/cache";
import { onError } from "@/edge/on-error";
import type { Kit } from "@/lib/kit";
import { createRouteTable, type RouteDefinition, type RoutePolicy } from "@/lib/policy";

export const BASE = "/api/edge";

export function bareCacheApp(kit: Kit, routes: readonly RouteDefinition<RoutePolicy>[]): Hono<AppEnv> {
  const table = createRouteTable(routes);
  const app = new Hono<AppEnv>().basePath(BASE);
  app.use(async (c, next) => {
    c.set("kit", kit);
    c.set("route", table.match(c.req.method, c.req.path.slice(BASE.length)));
    await next();
  });
  app.onError(onError);
  app.use(cache({ dispatch: (request) => Promise.resolve(app.fetch(request)) }));
  return app;
}
