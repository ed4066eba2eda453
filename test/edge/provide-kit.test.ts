/**
 * An app of your own (not createApp): `provideKit` sets c.var.kit and c.var.route, then `gates()` runs
 * the table. Without the route set, `gates()` refuses loudly instead of gating nothing — a `required`
 * idempotency route would otherwise run without a key (201) and nothing would say why.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "@/edge/env";
import { gates } from "@/edge/middleware/gates";
import { provideKit } from "@/edge/middleware/provide-kit";
import { onError } from "@/edge/on-error";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";

const kit = createTestKit();
const routes = defineRoutes([{ pattern: "/payments", methods: ["POST"], name: `payments-${Date.now().toString(36)}`, policy: { idempotency: { required: true } } }]);
const post = (app: Hono<AppEnv, any, any>) => app.request("/api/payments", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });

describe("an app of your own with provideKit + gates()", () => {
  it("gates the table's routes: a required Idempotency-Key is enforced", async () => {
    const app = new Hono<AppEnv>().basePath("/api");
    app.onError(onError);
    app.use(provideKit(() => kit, { basePath: "/api", routes }), gates({ dispatch: (r) => Promise.resolve(app.fetch(r)) }));
    app.post("/payments", (c) => c.json({ ok: true }, 201));
    const res = await post(app);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("without the route set, gates() answers an error instead of letting the route run ungated", async () => {
    const app = new Hono<AppEnv>().basePath("/api");
    app.onError(onError);
    app.use(async (c, next) => {
      c.set("kit", kit);
      await next();
    });
    app.use(gates());
    let ran = false;
    app.post("/payments", (c) => {
      ran = true;
      return c.json({ ok: true }, 201);
    });
    const error = console.error;
    console.error = () => undefined;
    try {
      expect((await post(app)).status).toBe(500);
    } finally {
      console.error = error;
    }
    expect(ran).toBe(false);
  });
});
