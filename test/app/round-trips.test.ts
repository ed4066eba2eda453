/**
 * Issue 10 through the Next entry point: HTTP requests to Redis per gated request, counted by a
 * PRIVATE upstash-local's /stats. middleware.ts runs the app's real kit.config.ts table (every path
 * limited by `api`; POST /orders also by `orders` 10/min and under an idempotency policy; GET
 * /items/:id cached). Route handlers are called as Next would, with the headers the middleware forwarded.
 *
 * "critical" = requests the answer waited for; "total" = everything the request caused, including
 * work handed to event.waitUntil (claim release, counter flushes) and the route's own settle/store.
 */
import { NextRequest, type NextFetchEvent } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { withIdempotency } from "@/lib/idempotency";
import { getKit, resetKitForTests } from "@/lib/kit-instance";
import { readCounts } from "@/lib/observability";
import { uniquePrefix } from "../setup/redis";
import { counted, loadScripts, startCountingServer, type CountingServer } from "../lib/gate/support";

type Middleware = (req: NextRequest, event: NextFetchEvent) => Promise<Response>;
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const saved = { ...process.env };
let server: CountingServer;
let middleware: Middleware;
let getItem: Handler;
let executions = 0;
// A trivial idempotent route (the example's POST /orders also enqueues a job, which is not the gate's cost).
const postOrder = withIdempotency(async () => (executions++, Response.json({ ok: true }, { status: 201, headers: { location: "/api/orders/ord_1" } })), { kit: getKit }) as Handler;

beforeAll(async () => {
  server = await startCountingServer();
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: server.url,
    UPSTASH_REDIS_REST_TOKEN: server.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("rt-next").slice(0, -1).replace(":", "-"),
    TRUST_PROXY: "true",
  });
  resetKitForTests();
  ({ middleware } = await import("@/middleware"));
  ({ GET: getItem } = (await import("@/app/api/items/[id]/route")) as unknown as { GET: Handler });
});
afterAll(async () => {
  vi.useRealTimers();
  process.env = saved;
  resetKitForTests();
  await server.close();
});

let n = 0;
const freshIp = () => `10.77.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
const freshKey = () => `order-key-${crypto.randomUUID()}`;

interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  route?: Handler;
  params?: Record<string, string>;
}

/** middleware.ts, then (if it let the request through) the route with the forwarded request headers. */
async function next(path: string, init: Call, waitUntil: (p: Promise<unknown>) => void): Promise<{ res: Response; routed: boolean }> {
  const url = `http://localhost${path}`;
  const method = init.method ?? "GET";
  const event = { waitUntil } as unknown as NextFetchEvent;
  const mw = await middleware(new NextRequest(url, { method, headers: init.headers, body: init.body }), event);
  if (mw.headers.get("x-middleware-next") !== "1" || !init.route) return { res: mw, routed: false };
  const headers = new Headers(init.headers);
  for (const name of (mw.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean)) {
    const value = mw.headers.get(`x-middleware-request-${name}`);
    if (value !== null) headers.set(name, value);
  }
  const res = await init.route(new NextRequest(url, { method, headers, body: init.body }), { params: Promise.resolve(init.params ?? {}) });
  return { res, routed: true };
}

const order = (ip: string, key: string): Call => ({
  method: "POST",
  headers: { "x-forwarded-for": ip, "idempotency-key": key, "content-type": "application/json" },
  body: JSON.stringify({ item_id: "sku-1", quantity: 1 }),
  route: postOrder,
});
const item = (ip: string, id: string): Call => ({ headers: { "x-forwarded-for": ip }, route: getItem, params: { id } });

/** The gate alone (middleware.ts), counted. */
const gate = (path: string, init: Call) => counted(server, (w) => next(path, { ...init, route: undefined }, w));
/** Gate + route, counted. */
const full = (path: string, init: Call) => counted(server, (w) => next(path, init, w));

beforeAll(async () => {
  // Warm-up: load every script once on this redis-server (a first EVALSHA → NOSCRIPT → EVAL costs 2).
  await loadScripts(getKit().redis!);
  const ip = freshIp();
  await counted(server, (w) => next("/api/orders", order(ip, freshKey()), w));
  const id = `warm-${crypto.randomUUID()}`;
  await counted(server, (w) => next(`/api/items/${id}`, item(ip, id), w));
  await counted(server, (w) => next(`/api/items/${id}`, item(ip, id), w));
});

describe("middleware.ts: HTTP requests to Redis per gated request", () => {
  it("allowed (rate limit only): 1", async () => {
    const r = await gate("/api/anything/at/all", { headers: { "x-forwarded-for": freshIp() } });
    expect(r.value.res.headers.get("x-middleware-next")).toBe("1");
    expect(r.value.res.headers.get("ratelimit")).toMatch(/^"api";r=99;t=\d+$/);
    expect([r.critical, r.total]).toEqual([1, 1]);
  });

  it("allowed POST /orders (2 limits + idempotency claim): 1 for the gate, 1 more for the route's settle", async () => {
    const ip = freshIp();
    const before = executions;
    const g = await gate("/api/orders", order(ip, freshKey()));
    expect(g.value.res.headers.get("x-middleware-next")).toBe("1");
    expect([g.critical, g.total]).toEqual([1, 1]);

    const f = await full("/api/orders", order(freshIp(), freshKey()));
    expect(f.value.res.status).toBe(201);
    expect(executions - before).toBe(1);
    expect([f.critical, f.total]).toEqual([2, 2]);
  });

  it("idempotency replay: 1", async () => {
    const ip = freshIp();
    const key = freshKey();
    await full("/api/orders", order(ip, key));
    const replay = await full("/api/orders", order(ip, key));
    expect(replay.value.routed).toBe(false);
    expect(replay.value.res.status).toBe(201);
    expect(replay.value.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.value.res.headers.get("ratelimit-policy")).toContain('"orders"');
    // Absolute: Next's middleware adapter throws on a relative Location (then relativizes same-host ones itself).
    expect(replay.value.res.headers.get("location")).toBe("http://localhost/api/orders/ord_1");
    expect([replay.critical, replay.total]).toEqual([1, 1]);
  });

  it("cache miss: 1 for the gate (read + fill lease in one script), 1 more for the route's store", async () => {
    const id = `miss-${crypto.randomUUID()}`;
    const g = await gate(`/api/items/${id}`, item(freshIp(), id));
    expect(g.value.res.headers.get("x-cache")).toBe("MISS");
    expect([g.critical, g.total]).toEqual([1, 1]);

    const other = `miss-${crypto.randomUUID()}`;
    const f = await full(`/api/items/${other}`, item(freshIp(), other));
    expect(f.value.res.status).toBe(200);
    expect([f.critical, f.total]).toEqual([2, 2]);
  });

  it("cache hit: 1 (the route does not run)", async () => {
    const id = `hit-${crypto.randomUUID()}`;
    await full(`/api/items/${id}`, item(freshIp(), id));
    const hit = await full(`/api/items/${id}`, item(freshIp(), id));
    expect(hit.value.routed).toBe(false);
    expect(hit.value.res.headers.get("x-cache")).toBe("HIT");
    expect(hit.value.res.headers.get("ratelimit")).toMatch(/^"api";r=99;/);
    expect([hit.critical, hit.total]).toEqual([1, 1]);
  });

  it("denied: 1 on the critical path (+1 in waitUntil to release the claim the batch took); an identity already denied: 0", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) expect((await full("/api/orders", order(ip, freshKey()))).value.res.status).toBe(201);
    const family = `${getKit().keys.family("idempotency")}*`;
    const records = async () => (await scanAll(family)).length;
    const stored = await records();

    // Date frozen from here: a counter flush cannot come due between the two requests below.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const denied = await full("/api/orders", order(ip, freshKey()));
    expect(denied.value.res.status).toBe(429);
    expect(denied.value.routed).toBe(false);
    expect([denied.critical, denied.total]).toEqual([1, 2]);
    expect(await records()).toBe(stored); // the speculative claim was given back

    const again = await full("/api/orders", order(ip, freshKey()));
    expect(again.value.res.status).toBe(429);
    expect([again.critical, again.total, again.commands]).toEqual([0, 0, 0]);
    vi.useRealTimers();
  });

  it("counters ride the batch: buffered idempotency outcomes reach Redis without a request of their own", async () => {
    const ip = freshIp();
    const key = freshKey();
    await full("/api/orders", order(ip, key));
    const before = await readCounts(getKit(), "idempotency");
    await full("/api/orders", order(ip, key)); // a replay: counted in the isolate
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2_000 }); // past the 1 s flush interval
    const carrier = await gate("/api/anything", { headers: { "x-forwarded-for": freshIp() } });
    vi.useRealTimers();
    expect([carrier.critical, carrier.total]).toEqual([1, 1]);
    const after = await readCounts(getKit(), "idempotency");
    expect((after.replayed ?? 0) - (before.replayed ?? 0)).toBe(1);
  });
});

async function scanAll(pattern: string): Promise<string[]> {
  const redis = getKit().redis!;
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match: pattern, count: 1000 });
    cursor = String(next);
    found.push(...keys);
  } while (cursor !== "0");
  return found;
}
