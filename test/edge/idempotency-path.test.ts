/**
 * The request path is part of the idempotency fingerprint: one key reused on another path is the
 * draft's 422 (draft-ietf-httpapi-idempotency-key-header-07 §2.7), never a replay of the other
 * path's response — also where the route name and params cannot tell the paths apart (a wildcard
 * entry of the policy table, or the standalone middleware under a pattern). The path counts
 * relative to the API base, so one route under `/api` and `/api/edge` still shares its records.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import { idempotency } from "@/edge/middleware/idempotency";
import { defineRoutes } from "@/lib/policy";
import { newIp, newKey, proxiedTestKit } from "./idempotency-harness";

const kit = proxiedTestKit();

type Requestable = { request: (path: string, init: RequestInit) => Response | Promise<Response> };
const post = (app: Requestable, path: string, key: string, ip: string) =>
  Promise.resolve(
    app.request(path, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key, "x-forwarded-for": ip }, body: '{"amount":100}' }),
  );

async function expectKeyReused(res: Response): Promise<void> {
  expect(res.status).toBe(422);
  expect(res.headers.get("idempotent-replayed")).toBeNull();
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(await res.json()).toMatchObject({ type: "https://edge-kit.dev/problems/idempotency-key-reused" });
}

describe("a wildcard entry of the policy table (no params)", () => {
  const routes = defineRoutes([{ pattern: "/admin/*", methods: ["POST"], name: "admin", policy: { idempotency: {} } }]);
  const runs: string[] = [];
  const mount = (basePath: string) => {
    const app = createApp(kit, { basePath, routes });
    app.post("/admin/refunds", (c) => (runs.push("refund"), c.json({ did: "refund" }, 201)));
    app.post("/admin/payouts", (c) => (runs.push("payout"), c.json({ did: "payout" }, 201)));
    return app;
  };
  const edge = mount("/api/edge");
  const api = mount("/api");

  it("answers 422 to the same key and body on another path under the pattern, and runs nothing", async () => {
    const [key, ip] = [newKey(), newIp()];
    const before = runs.length;
    expect((await post(edge, "/api/edge/admin/refunds", key, ip)).status).toBe(201);
    await expectKeyReused(await post(edge, "/api/edge/admin/payouts", key, ip));
    expect(runs.slice(before)).toEqual(["refund"]);
  });

  it("still replays the same path, across the /api and /api/edge mounts (one route, one record)", async () => {
    const [key, ip] = [newKey(), newIp()];
    const first = await post(api, "/api/admin/refunds", key, ip);
    expect(first.status).toBe(201);
    const replay = await post(edge, "/api/edge/admin/refunds", key, ip);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(await first.text());
    await expectKeyReused(await post(api, "/api/admin/payouts", key, ip));
  });
});

describe("the standalone idempotency() middleware under a pattern", () => {
  const app = new Hono<AppEnv>();
  const runs: string[] = [];
  app.use(async (c, next) => {
    c.set("kit", kit);
    c.set("route", null);
    await next();
  });
  app.use("/api/*", idempotency({ policy: { required: true } }));
  app.post("/api/refunds", (c) => (runs.push("refund"), c.json({ did: "refund" }, 201)));
  app.post("/api/payouts", (c) => (runs.push("payout"), c.json({ did: "payout" }, 201)));

  it("answers 422 on another path (c.req.routePath is the middleware's own pattern), and replays the same path", async () => {
    const [key, ip] = [newKey(), newIp()];
    const first = await post(app, "/api/refunds", key, ip);
    expect(first.status).toBe(201);
    await expectKeyReused(await post(app, "/api/payouts", key, ip));
    const replay = await post(app, "/api/refunds", key, ip);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(runs).toEqual(["refund"]);
  });
});
