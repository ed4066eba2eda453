/**
 * Issue 10 through the Hono entry point: `createApp(kit, { routes })` runs the kit's gates as ONE
 * middleware (`gates()`); HTTP requests and Redis commands per gated request are counted by a PRIVATE
 * upstash-local's /stats. Counter flushes are pushed out of the measured window (countersFlushEvery
 * 1 h, no shared deny list), so the command counts are exact.
 *
 * "critical" = requests the answer waited for; "total" = everything the request caused, including
 * work handed to executionCtx.waitUntil and the after-handler settle/store.
 */
import { http, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { defineRoutes } from "@/lib/policy";
import { defineRateLimits } from "@/lib/ratelimit";
import { createTestKit } from "../setup/kit";
import { counted, loadScripts, startCountingServer, type CountingServer } from "../lib/gate/support";

const BASE = "/api/edge";
const rl = defineRateLimits({
  countersFlushEvery: "1 h",
  denyList: false,
  policies: {
    reads: { algorithm: "sliding-window", limit: 100, window: "60 s", identity: "ip" },
    writes: { algorithm: "sliding-window", limit: 2, window: "60 s", identity: "ip" },
    tight: { algorithm: "fixed-window", limit: 1, window: "60 s", identity: "ip" },
  },
});
const routes = defineRoutes([
  { pattern: "/things/:id", methods: ["GET"], name: "things.read", policy: { rateLimit: rl.use("reads"), cache: { ttl: "1 m" } } },
  { pattern: "/tight/:id", methods: ["GET"], name: "tight.read", policy: { rateLimit: rl.use("tight"), cache: { ttl: "1 m" } } },
  { pattern: "/pay", methods: ["POST"], name: "pay", policy: { rateLimit: rl.use("writes"), idempotency: { required: true } } },
  { pattern: "/ping", methods: ["GET"], name: "ping", policy: { rateLimit: rl.use("reads") } },
]);

let server: CountingServer;
let kit: ReturnType<typeof createTestKit>;
let app: ReturnType<typeof createApp>;
let executions = 0;

beforeAll(async () => {
  server = await startCountingServer();
  kit = createTestKit({ url: server.url, token: server.token, env: { TRUST_PROXY: "true" } });
  app = createApp(kit, { basePath: BASE, routes });
  app.get("/things/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/tight/:id", (c) => c.json({ id: c.req.param("id") }));
  app.post("/pay", (c) => (executions++, c.json({ paid: true }, 201)));
  app.get("/ping", (c) => c.text("pong"));
  await loadScripts(kit.redis!);
  // Warm-up: the library's limiter scripts load on first use.
  await call("GET", "/ping", freshIp());
});
afterAll(() => server.close());

let n = 0;
const freshIp = () => `10.66.${Math.floor(++n / 250)}.${(n % 250) + 1}`;

function call(method: string, path: string, ip: string, headers: Record<string, string> = {}, waitUntil: (p: Promise<unknown>) => void = () => {}) {
  const executionCtx = { waitUntil, passThroughOnException() {}, props: {} };
  const init: RequestInit = { method, headers: { "x-forwarded-for": ip, ...headers } };
  if (method === "POST") init.body = JSON.stringify({ amount: 5 });
  return app.request(`${BASE}${path}`, init, undefined, executionCtx as never);
}
const measure = (method: string, path: string, ip: string, headers: Record<string, string> = {}) => counted(server, (w) => call(method, path, ip, headers, w) as Promise<Response>);

async function leases(): Promise<number> {
  const [, keys] = await kit.redis!.scan("0", { match: `${kit.keys.prefix}:*:lease`, count: 10_000 });
  return keys.length;
}

describe("gates(): HTTP requests (and Redis commands) per gated request", () => {
  it("allowed (rate limit only): 1 request, 1 command; c.var.rateLimit is set", async () => {
    const r = await measure("GET", "/ping", freshIp());
    expect(r.value.status).toBe(200);
    expect(r.value.headers.get("ratelimit")).toMatch(/^"reads";r=99;t=\d+$/);
    expect([r.critical, r.total, r.commands]).toEqual([1, 1, 1]);
  });

  it("allowed POST with Idempotency-Key: 1 for the gates (limit + claim: 2 commands), 1 for the settle", async () => {
    const before = executions;
    const r = await measure("POST", "/pay", freshIp(), { "idempotency-key": `pay-${crypto.randomUUID()}` });
    expect(r.value.status).toBe(201);
    expect(executions - before).toBe(1);
    expect([r.critical, r.total, r.commands]).toEqual([2, 2, 3]);
  });

  it("idempotency replay: 1 request, 2 commands", async () => {
    const ip = freshIp();
    const key = `pay-${crypto.randomUUID()}`;
    await measure("POST", "/pay", ip, { "idempotency-key": key });
    const r = await measure("POST", "/pay", ip, { "idempotency-key": key });
    expect(r.value.headers.get("idempotent-replayed")).toBe("true");
    expect([r.critical, r.total, r.commands]).toEqual([1, 1, 2]);
  });

  it("cache miss: 1 for the gates (limit + lookup-with-lease: 2 commands), 1 for the store", async () => {
    const r = await measure("GET", `/things/${crypto.randomUUID()}`, freshIp());
    expect(r.value.headers.get("x-cache")).toBe("MISS");
    expect([r.critical, r.total, r.commands]).toEqual([2, 2, 4]);
  });

  it("cache hit: 1 request, 2 commands; the handler does not run", async () => {
    const path = `/things/${crypto.randomUUID()}`;
    await measure("GET", path, freshIp());
    const r = await measure("GET", path, freshIp());
    expect(r.value.headers.get("x-cache")).toBe("HIT");
    expect(r.value.headers.get("ratelimit")).toMatch(/^"reads";r=99;/);
    expect([r.critical, r.total, r.commands]).toEqual([1, 1, 2]);
  });

  it("denied POST: 1 on the critical path, +1 in waitUntil releasing the claim; already denied: 0", async () => {
    const ip = freshIp();
    for (let i = 0; i < 2; i++) expect((await measure("POST", "/pay", ip, { "idempotency-key": `pay-${crypto.randomUUID()}` })).value.status).toBe(201);
    const key = `pay-${crypto.randomUUID()}`;
    const denied = await measure("POST", "/pay", ip, { "idempotency-key": key });
    expect(denied.value.status).toBe(429);
    expect([denied.critical, denied.total]).toEqual([1, 2]);

    const again = await measure("POST", "/pay", ip, { "idempotency-key": key });
    expect(again.value.status).toBe(429);
    expect([again.critical, again.total, again.commands]).toEqual([0, 0, 0]);

    // The released key is free: once the limit allows this identity again, the same key runs the handler.
    const before = executions;
    const elsewhere = await measure("POST", "/pay", freshIp(), { "idempotency-key": key });
    expect(elsewhere.value.status).toBe(201); // another scope (IP): its own record, never the refused claim
    expect(executions - before).toBe(1);
  });

  it("denied cached read: a lease the batch took on a miss is released; a hit took none", async () => {
    const ip = freshIp();
    const cachedPath = `/tight/${crypto.randomUUID()}`;
    expect((await measure("GET", cachedPath, freshIp())).value.headers.get("x-cache")).toBe("MISS");
    expect((await measure("GET", cachedPath, ip)).value.headers.get("x-cache")).toBe("HIT"); // uses ip's 1 request

    const leasesBefore = await leases();
    const miss = await measure("GET", `/tight/${crypto.randomUUID()}`, ip);
    expect(miss.value.status).toBe(429);
    expect([miss.critical, miss.total]).toEqual([1, 2]); // + the lease release
    expect(await leases()).toBe(leasesBefore);

    const other = freshIp();
    await measure("GET", `/tight/${crypto.randomUUID()}`, other); // other's 1 request (a MISS, stored)
    const hit = await measure("GET", cachedPath, other);
    expect(hit.value.status).toBe(429);
    expect([hit.critical, hit.total]).toEqual([1, 1]); // nothing to give back
    expect(await leases()).toBe(leasesBefore);
  });
});

describe("gates() with REDIS_COALESCE_IN_FLIGHT=1: concurrent requests share HTTP requests", () => {
  // msw only holds the first request to Redis until every other request has started (latency
  // injection), so they provably arrive while it is out; everything passes through unchanged.
  let hold: Promise<void> | null = null;
  const msw = setupServer();
  beforeAll(() => {
    msw.use(
      http.post(`${server.url}/*`, async () => {
        const held = hold;
        hold = null;
        if (held) await held;
        return passthrough();
      }),
    );
    msw.listen({ onUnhandledRequest: "bypass" });
  });
  afterAll(() => msw.close());

  it("40 cache HITs of 40 items from 40 clients, arriving while one request is out: 2 HTTP requests, every answer its own", async () => {
    // Budgets far above the hold, so no answer turns degraded on a slow runner.
    const env = { TRUST_PROXY: "true", REDIS_COALESCE_IN_FLIGHT: "1", RATE_LIMIT_TIMEOUT_MS: "10000", REDIS_COMMAND_TIMEOUT_MS: "10000" };
    const joined = createTestKit({ url: server.url, token: server.token, env });
    const joinedApp = createApp(joined, { basePath: BASE, routes });
    joinedApp.get("/things/:id", (c) => c.json({ id: c.req.param("id") }));
    const ids = Array.from({ length: 40 }, (_, i) => `joined-${i}-${crypto.randomUUID()}`);
    for (const id of ids) expect((await joinedApp.request(`${BASE}/things/${id}`, { headers: { "x-forwarded-for": freshIp() } })).headers.get("x-cache")).toBe("MISS");

    const before = server.local.stats();
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    const started: Promise<Response>[] = [];
    for (const id of ids) {
      // One macrotask per request, as separate incoming requests are served.
      started.push(Promise.resolve(joinedApp.request(`${BASE}/things/${id}`, { headers: { "x-forwarded-for": freshIp() } })));
      await new Promise((r) => setImmediate(r));
    }
    release();
    const answers = await Promise.all(started);
    const after = server.local.stats();
    const seen = await Promise.all(answers.map(async (a) => [a.status, a.headers.get("x-cache"), a.headers.get("ratelimit")?.replace(/;t=\d+$/, ""), ((await a.json()) as { id: string }).id]));
    expect(seen).toEqual(ids.map((id) => [200, "HIT", '"reads";r=99', id]));
    // The held one, then the 39 that queued behind it as one /pipeline: limit + lookup each.
    expect(after.httpRequests - before.httpRequests).toBe(2);
    expect(after.redisCommands - before.redisCommands).toBe(80);
  });
});
