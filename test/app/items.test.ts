/**
 * The Next entry point for GET/PUT /api/items/:id, driven the way Next does: middleware.ts (gates:
 * rate limit → idempotency → cache) and then, when it lets the request through, the route handler
 * with the headers the middleware forwarded. HIT is answered by the middleware without the route;
 * MISS runs the route, whose withCachedResponse stores the 200; PUT invalidates; STALE revalidates
 * through a real HTTP request back into the app (a local server running the same two steps).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NextRequest, type NextFetchEvent } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemsStoreLoads } from "@/edge/example/items-store";
import { getKit, resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

type Handler = (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
let middleware: (req: NextRequest, event: NextFetchEvent) => Promise<Response>;
let GET: Handler;
let PUT: Handler;
const saved = { ...process.env };
let server: Server;
let origin: string;
const background: Promise<unknown>[] = [];

/** middleware.ts, then the route handler with the forwarded headers; returns what the client gets. */
async function throughNext(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ res: Response; routed: boolean }> {
  const method = init.method ?? "GET";
  const event = { waitUntil: (p: Promise<unknown>) => void background.push(p) } as unknown as NextFetchEvent;
  const mw = await middleware(new NextRequest(url, { method, headers: init.headers, body: init.body }), event);
  if (mw.headers.get("x-middleware-next") !== "1") return { res: mw, routed: false };
  const headers = new Headers(init.headers);
  for (const name of (mw.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean)) {
    const value = mw.headers.get(`x-middleware-request-${name}`);
    if (value !== null) headers.set(name, value);
  }
  const id = decodeURIComponent(new URL(url).pathname.split("/").at(-1)!);
  const handler = method === "PUT" ? PUT : GET;
  const routed = await handler(new NextRequest(url, { method, headers, body: init.body }), { params: Promise.resolve({ id }) });
  const merged = new Headers(routed.headers);
  mw.headers.forEach((value, name) => {
    if (!name.startsWith("x-middleware-") && !merged.has(name)) merged.set(name, value);
  });
  return { res: new Response(routed.body, { status: routed.status, headers: merged }), routed: true };
}

beforeAll(async () => {
  const target = upstashTarget();
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("next-items").slice(0, -1).replace(":", "-"),
  });
  resetKitForTests();
  ({ middleware } = await import("@/middleware"));
  ({ GET, PUT } = (await import("@/app/api/items/[id]/route")) as unknown as { GET: Handler; PUT: Handler });
  // The origin a STALE revalidation's fetch() reaches: the same middleware + route, over real HTTP.
  server = createServer(async (req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const { res: out } = await throughNext(`${origin}${req.url}`, { method: req.method ?? "GET", headers });
    res.writeHead(out.status, Object.fromEntries(out.headers));
    res.end(Buffer.from(await out.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  process.env = saved;
  resetKitForTests();
});

let n = 0;
const freshId = () => `nx${Date.now().toString(36)}${n++}`;

describe("GET /api/items/:id through middleware.ts and the route handler", () => {
  it("MISS runs the route and stores the response; HIT is answered by the middleware alone", async () => {
    const id = freshId();
    const loads = itemsStoreLoads();
    const miss = await throughNext(`${origin}/api/items/${id}`);
    expect(miss.routed).toBe(true);
    expect(miss.res.status).toBe(200);
    expect(miss.res.headers.get("x-cache")).toBe("MISS");
    const body = await miss.res.json();
    expect(body).toMatchObject({ id, name: `Item ${id}` });

    const hit = await throughNext(`${origin}/api/items/${id}`);
    expect(hit.routed).toBe(false);
    expect(hit.res.status).toBe(200);
    expect(hit.res.headers.get("x-cache")).toBe("HIT");
    expect(hit.res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await hit.res.json()).toStrictEqual(body);
    expect(itemsStoreLoads() - loads).toBe(1);
  });

  it("a %-encoded spelling of the path (/api/%69tems/:id) is matched alike by the gate and the route: MISS stored, then HIT", async () => {
    // The gate matches the decoded path (as Next routes it); the route's store must too, or the fill
    // lease the gate took is never released and the spelling is never cached.
    const id = freshId();
    const miss = await throughNext(`${origin}/api/%69tems/${id}`);
    expect([miss.routed, miss.res.status, miss.res.headers.get("x-cache")]).toEqual([true, 200, "MISS"]);
    await miss.res.arrayBuffer();
    const hit = await throughNext(`${origin}/api/%69tems/${id}`);
    expect([hit.routed, hit.res.headers.get("x-cache")]).toEqual([false, "HIT"]);
  });

  it("HEAD is answered from the stored GET by the middleware (no content), and a HEAD miss stores nothing", async () => {
    const id = freshId();
    const headMiss = await throughNext(`${origin}/api/items/${id}`, { method: "HEAD" });
    expect(headMiss.routed).toBe(true);
    expect(headMiss.res.headers.get("x-cache")).toBe("MISS");
    const get = await throughNext(`${origin}/api/items/${id}`);
    expect(get.res.headers.get("x-cache")).toBe("MISS"); // the HEAD stored nothing (and held no fill lease)
    const body = await get.res.text();

    const head = await throughNext(`${origin}/api/items/${id}`, { method: "HEAD" });
    expect(head.routed).toBe(false);
    expect(head.res.status).toBe(200);
    expect(head.res.headers.get("x-cache")).toBe("HIT");
    expect(head.res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await head.res.text()).toBe("");
    expect(await (await throughNext(`${origin}/api/items/${id}`)).res.text()).toBe(body);
  });

  it("PUT /api/items/:id updates and invalidates: the next GET is a MISS with the new name", async () => {
    const id = freshId();
    await throughNext(`${origin}/api/items/${id}`);
    expect((await throughNext(`${origin}/api/items/${id}`)).res.headers.get("x-cache")).toBe("HIT");
    const put = await throughNext(`${origin}/api/items/${id}`, { method: "PUT", body: JSON.stringify({ name: "Red kettle" }), headers: { "content-type": "application/json" } });
    expect(put.res.status).toBe(200);
    expect(await put.res.json()).toMatchObject({ name: "Red kettle", version: 1 });
    const after = await throughNext(`${origin}/api/items/${id}`);
    expect(after.routed).toBe(true);
    expect(after.res.headers.get("x-cache")).toBe("MISS");
    expect(await after.res.json()).toMatchObject({ name: "Red kettle" });
  });

  it("a response is never served to another user: credentials are part of the key", async () => {
    const id = freshId();
    const alice = { authorization: "Bearer alice" };
    expect((await throughNext(`${origin}/api/items/${id}`, { headers: alice })).res.headers.get("x-cache")).toBe("MISS");
    expect((await throughNext(`${origin}/api/items/${id}`, { headers: { authorization: "Bearer mallory" } })).res.headers.get("x-cache")).toBe("MISS");
    expect((await throughNext(`${origin}/api/items/${id}`)).res.headers.get("x-cache")).toBe("MISS");
    expect((await throughNext(`${origin}/api/items/${id}`, { headers: alice })).res.headers.get("x-cache")).toBe("HIT");
  });

  it("a client-sent fill header is overwritten by the middleware and cannot skip a HIT", async () => {
    const id = freshId();
    await throughNext(`${origin}/api/items/${id}`);
    const forged = await throughNext(`${origin}/api/items/${id}`, { headers: { "x-edge-kit-cache-fill": "vforged" } });
    expect(forged.routed).toBe(false);
    expect(forged.res.headers.get("x-cache")).toBe("HIT");
  });

  it("STALE: served by the middleware at once; waitUntil revalidates through the origin; then HIT with new data", async () => {
    const id = freshId();
    await throughNext(`${origin}/api/items/${id}`);
    // Age the entry past its 60 s fresh window (kit.config.ts) without waiting: rewrite its envelope.
    const kit = getKit();
    const redis = kit.redis!;
    const pattern = `${kit.keys.cache("http:items.read", "x").slice(0, -1)}*`;
    let cursor = "0";
    let aged = 0;
    do {
      const [next, keys] = await redis.scan(cursor, { match: pattern, count: 1000 });
      cursor = String(next);
      for (const key of keys.filter((k) => !k.endsWith(":lease"))) {
        const envelope = await redis.get<Record<string, unknown>>(key);
        if (envelope) aged += (await redis.set(key, JSON.stringify({ ...envelope, f: Date.now() - 1 }), { px: 60_000 })) ? 1 : 0;
      }
    } while (cursor !== "0");
    expect(aged).toBeGreaterThan(0);
    background.length = 0;
    const stale = await throughNext(`${origin}/api/items/${id}`);
    expect(stale.routed).toBe(false);
    expect(stale.res.headers.get("x-cache")).toBe("STALE");
    // The revalidation (plus the rate limiter's own pending writes) was handed to waitUntil.
    expect(background.length).toBeGreaterThanOrEqual(1);
    await Promise.all(background);
    const fresh = await throughNext(`${origin}/api/items/${id}`);
    expect(fresh.res.headers.get("x-cache")).toBe("HIT");
    expect(Number(fresh.res.headers.get("age"))).toBeLessThan(5);
  });
});
