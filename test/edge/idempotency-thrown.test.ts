/**
 * A handler that throws something other than an Error: Hono's onError never sees it (compose only
 * hands `Error`s to it), so the value comes out of `await next()` in the middleware. The claim must be
 * released on that path too, or every retry with the key is answered 409 for the whole lease although
 * nothing runs. Both Hono entry points: the app's `gates()` and the standalone `idempotency()`.
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
  Promise.resolve()
    .then(() => app.request(path, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key, "x-forwarded-for": ip }, body: "{}" }))
    .then(
      (res) => res,
      (thrown: unknown) => ({ thrown }),
    );

/** A handler whose first run throws a plain string; later runs answer 201 with their run number. */
function flaky(runs: { n: number }) {
  return () => {
    runs.n++;
    if (runs.n === 1) throw "boom (not an Error)";
    return new Response(JSON.stringify({ run: runs.n }), { status: 201, headers: { "content-type": "application/json" } });
  };
}

async function expectRetryRunsAgain(app: Requestable, path: string, runs: { n: number }): Promise<void> {
  const [key, ip] = [newKey(), newIp()];
  const first = await post(app, path, key, ip);
  expect(first).toEqual({ thrown: "boom (not an Error)" });
  const retry = await post(app, path, key, ip);
  expect(retry).toBeInstanceOf(Response);
  expect((retry as Response).status).toBe(201);
  expect(await (retry as Response).json()).toEqual({ run: 2 });
}

describe("a handler throwing a non-Error releases the claim", () => {
  it("gates() (createApp)", async () => {
    const runs = { n: 0 };
    const app = createApp(kit, { basePath: "/api", routes: defineRoutes([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: {} } }]) });
    app.post("/pay", flaky(runs));
    await expectRetryRunsAgain(app, "/api/pay", runs);
  });

  it("the standalone idempotency() middleware", async () => {
    const runs = { n: 0 };
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("kit", kit);
      c.set("route", null);
      await next();
    });
    app.post("/api/pay", idempotency({ policy: {} }), flaky(runs));
    await expectRetryRunsAgain(app, "/api/pay", runs);
  });
});
