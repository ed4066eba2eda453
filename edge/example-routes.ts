/**
 * The repo's example endpoints (items, orders, jobs, permits): what this app serves under /api/edge
 * and on the stock worker. Not part of createApp: an adopter's app registers its own handlers
 * (`createApp(kit, { register })`), and neither mounts these nor bundles their features.
 */
import type { Hono } from "hono";
import type { AppEnv } from "./env";
import { registerItemRoutes } from "./routes/items";
import { registerJobRoutes } from "./routes/jobs";
import { registerOrderRoutes } from "./routes/orders";
import { registerPermitRoutes } from "./routes/permits";

export function registerExampleRoutes(app: Hono<AppEnv, any, any>): void {
  registerPermitRoutes(app);
  registerOrderRoutes(app);
  registerJobRoutes(app);
  registerItemRoutes(app);
}
