/**
 * `GET/PUT /items/:id` on the Hono app. Caching comes from the route's `cache` policy in kit.config.ts
 * through the app-wide `cache()` middleware; the handlers are the shared example logic.
 */
import type { Hono } from "hono";
import { getItemResponse, putItemResponse } from "../example/items-store";
import type { AppEnv } from "../env";

/** Registers the example item routes (edge/app.ts, after every middleware). */
export function registerItemRoutes(app: Hono<AppEnv, any, any>): void {
  app.get("/items/:id", (c) => getItemResponse(c.get("kit"), c.req.param("id"), c.req.raw));
  app.put("/items/:id", (c) => putItemResponse(c.get("kit"), c.req.param("id"), c.req.raw));
}
