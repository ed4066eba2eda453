/** Hono registration of POST /permits/ingest (the logic is shared with Next: edge/example/permits.ts). */
import type { Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { ingestPermits } from "../example/permits";
import { waitUntilOf } from "../wait-until";

/** Adds `POST {basePath}/permits/ingest` to the app. */
export function registerPermitRoutes(app: Pick<Hono<AppEnv>, "post">): void {
  app.post("/permits/ingest", function ingestPermitsRoute(c: Context<AppEnv>) {
    return ingestPermits(c.get("kit"), c.req.raw, { waitUntil: waitUntilOf(c) });
  });
}
