/**
 * Shared by the Hono idempotency tests: a Hono app built by createApp() with a test route table
 * (each route under its own idempotency policy) and handlers that count their runs.
 */
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { afterAll } from "vitest";
import type { Kit } from "@/lib/kit";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";
import { testRedis } from "../setup/redis";

export const testRoutes = defineRoutes([
  { pattern: "/orders", methods: ["POST"], name: "orders.create", policy: { idempotency: { required: true } } },
  { pattern: "/t/echo", methods: ["POST", "PATCH", "PUT"], name: "t.echo", policy: { idempotency: { required: true } } },
  { pattern: "/t/optional", methods: ["POST"], name: "t.optional", policy: { idempotency: { required: false } } },
  { pattern: "/t/status/:code", methods: ["POST"], name: "t.status", policy: { idempotency: {} } },
  { pattern: "/t/status-stored/:code", methods: ["POST"], name: "t.status-stored", policy: { idempotency: { serverErrors: "store", clientErrors: "release" } } },
  { pattern: "/t/throw", methods: ["POST"], name: "t.throw", policy: { idempotency: {} } },
  { pattern: "/t/big", methods: ["POST"], name: "t.big", policy: { idempotency: { maxResponseBytes: 1024 } } },
  { pattern: "/t/open", methods: ["POST"], name: "t.open", policy: { idempotency: { failPolicy: "open" } } },
  { pattern: "/t/short-lease", methods: ["POST"], name: "t.short-lease", policy: { idempotency: { lease: "300 ms" } } },
]);

export interface Harness {
  app: ReturnType<typeof createApp>;
  calls: Record<string, number>;
  /** While set, /t/echo waits for it before answering (to hold a request in flight). */
  hold: { promise: Promise<void> | undefined };
}

export function buildHarness(kit: Kit): Harness {
  const app = createApp(kit, { register: registerExampleRoutes, basePath: "/api/edge", routes: testRoutes });
  const calls: Record<string, number> = {};
  const hold: Harness["hold"] = { promise: undefined };
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const echo = async (c: { req: { raw: Request } }) => {
    const n = count("echo");
    if (hold.promise) await hold.promise;
    const body = await c.req.raw.text();
    return new Response(JSON.stringify({ run: n, method: c.req.raw.method, body, id: crypto.randomUUID() }), {
      status: 201,
      headers: { "content-type": "application/json", "set-cookie": "session=secret", "x-request-only": "1", location: "/x/1" },
    });
  };
  app.post("/t/echo", echo);
  app.patch("/t/echo", echo);
  app.put("/t/echo", echo);
  app.post("/t/optional", (c) => (count("optional"), c.json({ run: calls.optional }, 201)));
  app.post("/t/status/:code", (c) => (count("status"), c.json({ run: calls.status }, Number(c.req.param("code")) as 200)));
  app.post("/t/status-stored/:code", (c) => (count("status-stored"), c.json({ run: calls["status-stored"] }, Number(c.req.param("code")) as 200)));
  app.post("/t/throw", () => {
    const n = count("throw");
    if (n === 1) throw new Error("boom (first attempt)");
    return new Response("ok", { status: 201 });
  });
  app.post("/t/big", (c) => (count("big"), c.body("x".repeat(4096), 201, { "content-type": "text/plain" })));
  app.post("/t/open", (c) => (count("open"), c.json({ run: calls.open }, 201)));
  app.post("/t/short-lease", async (c) => {
    count("short-lease");
    if (hold.promise) await hold.promise;
    return c.json({ run: calls["short-lease"] }, 201);
  });
  return { app, calls, hold };
}

let counter = 0;
/** A fresh UUID-shaped key. */
export const newKey = () => crypto.randomUUID();
/** A fresh client IP (TRUST_PROXY=true in these tests), so identities never collide between tests. */
export const newIp = () => `198.51.${Math.floor(++counter / 250) % 250}.${(counter % 250) + 1}`;

export interface PostOptions {
  key?: string | null;
  ip?: string;
  body?: BodyInit;
  method?: string;
  headers?: Record<string, string>;
}

export function request(app: Harness["app"], path: string, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.key) headers["idempotency-key"] = options.key;
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  return Promise.resolve(
    app.request(`/api/edge${path}`, { method: options.method ?? "POST", headers, body: options.body ?? '{"item_id":"sku-1","quantity":2}' }),
  );
}

/**
 * The file's kit (proxy headers trusted, so each spec can be its own client through x-forwarded-for),
 * with every key under its prefix deleted after the file's specs.
 */
export function proxiedTestKit(env: Record<string, string> = {}): Kit {
  const kit = createTestKit({ env: { TRUST_PROXY: "true", ...env } });
  afterAll(async () => {
    const raw = testRedis();
    const keys = await raw.keys(`${kit.keys.prefix}:*`);
    if (keys.length > 0) await raw.del(...keys);
  });
  return kit;
}
