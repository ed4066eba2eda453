/**
 * `POST /jobs` and `GET /jobs/:id` on the Hono app: the shared example logic. Inline-mode jobs are
 * kept alive with the runtime's `executionCtx.waitUntil` where there is one (workerd, Vercel);
 * on plain Node there is none and the job simply runs on after the response.
 */
import type { Hono } from "hono";
import { createJobResponse, jobStatusResponse } from "../example/jobs";
import { waitUntilOf } from "../wait-until";
import type { AppEnv } from "../env";

/** Registers the job routes (edge/app.ts, after every middleware). */
export function registerJobRoutes(app: Hono<AppEnv, any, any>): void {
  app.post("/jobs", (c) => createJobResponse(c.get("kit"), c.req.raw, waitUntilOf(c)));
  app.get("/jobs/:id", (c) => jobStatusResponse(c.get("kit"), c.req.param("id"), c.req.path));
}
