/**
 * `POST /orders` on the Hono app. Idempotency, rate limits and the rest come from the route's
 * policy in kit.config.ts through the app-wide middlewares; the handler is the shared example logic.
 */
import type { Hono } from "hono";
import { createOrderResponse } from "../example/orders";
import type { AppEnv } from "../env";
import { waitUntilOf } from "../wait-until";

/** Registers the example order routes (edge/app.ts, after every middleware). */
export function registerOrderRoutes(app: Hono<AppEnv, any, any>): void {
  app.post("/orders", (c) => createOrderResponse(c.get("kit"), c.req.raw, waitUntilOf(c)));
}
