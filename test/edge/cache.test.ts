/**
 * Hono `cache()` through `createApp(kit, { basePath: "/api/edge", routes })` and `app.request()`, with
 * the real kit.config.ts table: MISS then HIT for GET /items/:id, PUT invalidates, STALE while
 * revalidating, keys vary on query/headers/credentials, non-200 never stored, one HTTP request per HIT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { registerExampleRoutes } from "@/edge/example-routes";
import { itemsStoreLoads } from "@/edge/example/items-store";
import { routes } from "@/kit.config";
import { defineRoutes } from "@/lib/policy";
import { defineRateLimits } from "@/lib/ratelimit";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../setup/kit";
import { upstashTarget } from "../setup/redis";

const BASE = "/api/edge";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh id per test, so tests never see each other's entries. */
let counter = 0;
const freshId = () => `it${Date.now().toString(36)}${counter++}`;

describe("GET /api/edge/items/:id with the app's policy table", () => {
  const kit = createTestKit();
  const app = createApp(kit, { register: registerExampleRoutes, basePath: BASE, routes });

  it("answers MISS from the slow store, then HIT from the cache without running the handler", async () => {
    const id = freshId();
    const loadsBefore = itemsStoreLoads();
    const first = await app.request(`${BASE}/items/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const body = await first.json();
    expect(body).toMatchObject({ id, name: `Item ${id}` });

    const second = await app.request(`${BASE}/items/${id}`);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Number(second.headers.get("age"))).toBeGreaterThanOrEqual(0);
    expect(await second.json()).toStrictEqual(body);
    expect(itemsStoreLoads() - loadsBefore).toBe(1);
  });

  it("PUT updates the item and invalidates it: the next GET is a MISS with the new name, then HIT", async () => {
    const id = freshId();
    await app.request(`${BASE}/items/${id}`);
    expect((await app.request(`${BASE}/items/${id}`)).headers.get("x-cache")).toBe("HIT");
    // Another variant of the same item (query string) is invalidated too: one tag covers every variant.
    await app.request(`${BASE}/items/${id}?view=full`);

    const put = await app.request(`${BASE}/items/${id}`, { method: "PUT", body: JSON.stringify({ name: "Blue mug" }), headers: { "content-type": "application/json" } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ id, name: "Blue mug", version: 1 });

    const after = await app.request(`${BASE}/items/${id}`);
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect(await after.json()).toMatchObject({ name: "Blue mug" });
    expect((await app.request(`${BASE}/items/${id}?view=full`)).headers.get("x-cache")).toBe("MISS");
    expect((await app.request(`${BASE}/items/${id}`)).headers.get("x-cache")).toBe("HIT");
  });

  it("PUT with a bad body answers 400 problem+json and invalidates nothing", async () => {
    const id = freshId();
    await app.request(`${BASE}/items/${id}`);
    for (const body of ["not json", JSON.stringify({ name: "" }), JSON.stringify({ nom: "x" })]) {
      const res = await app.request(`${BASE}/items/${id}`, { method: "PUT", body });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await app.request(`${BASE}/items/${id}`)).headers.get("x-cache")).toBe("HIT");
  });

  it("non-200 responses are never stored: a bad id is a 400 every time", async () => {
    const bad = `${BASE}/items/${encodeURIComponent("bad id!")}`;
    const first = await app.request(bad);
    expect(first.status).toBe(400);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const second = await app.request(bad);
    expect(second.status).toBe(400);
    expect(second.headers.get("x-cache")).toBe("MISS");
  });

  it("the query string is part of the key, normalised: parameter order does not matter", async () => {
    const id = freshId();
    expect((await app.request(`${BASE}/items/${id}?a=1&b=2`)).headers.get("x-cache")).toBe("MISS");
    expect((await app.request(`${BASE}/items/${id}?b=2&a=1`)).headers.get("x-cache")).toBe("HIT");
    expect((await app.request(`${BASE}/items/${id}?a=1&b=3`)).headers.get("x-cache")).toBe("MISS");
    expect((await app.request(`${BASE}/items/${id}`)).headers.get("x-cache")).toBe("MISS");
  });

  it("never shares a credentialed response across users; anonymous requests share one entry", async () => {
    const id = freshId();
    const as = (auth?: string) => app.request(`${BASE}/items/${id}`, auth ? { headers: { authorization: auth } } : {});
    expect((await as("Bearer alice")).headers.get("x-cache")).toBe("MISS");
    expect((await as("Bearer bob")).headers.get("x-cache")).toBe("MISS");
    expect((await as()).headers.get("x-cache")).toBe("MISS");
    expect((await as("Bearer alice")).headers.get("x-cache")).toBe("HIT");
    expect((await as("Bearer bob")).headers.get("x-cache")).toBe("HIT");
    expect((await as()).headers.get("x-cache")).toBe("HIT");
    const cookie = await app.request(`${BASE}/items/${id}`, { headers: { cookie: "session=carol" } });
    expect(cookie.headers.get("x-cache")).toBe("MISS");
  });

  it("a client-sent fill header cannot bypass a HIT nor make the route store a response", async () => {
    const id = freshId();
    await app.request(`${BASE}/items/${id}`);
    const forged = await app.request(`${BASE}/items/${id}`, { headers: { "x-edge-kit-cache-fill": "vdeadbeef.vdeadbeef" } });
    expect(forged.headers.get("x-cache")).toBe("HIT");
  });
});

describe("per-route policies", () => {
  const kit = createTestKit();
  const slowCounter = { n: 0 };
  type Policy = Parameters<typeof defineRoutes>[0][number]["policy"];
  function appWith(cache: NonNullable<Policy["cache"]>, rateLimit?: Policy["rateLimit"]) {
    const app = createApp(kit, { register: registerExampleRoutes, basePath: BASE, routes: defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `thing-${freshId()}`, policy: { cache, ...(rateLimit ? { rateLimit } : {}) } }]) });
    app.get("/thing", (c) => {
      slowCounter.n++;
      return c.json({ n: slowCounter.n, lang: c.req.header("accept-language") ?? null }, 200, { "set-x": "no", "content-language": "en" });
    });
    return app;
  }

  it("vary headers are part of the key; only allow-listed response headers are replayed", async () => {
    const app = appWith({ ttl: "1 m", vary: ["accept-language"] });
    const en = await app.request(`${BASE}/thing`, { headers: { "accept-language": "en" } });
    expect(en.headers.get("x-cache")).toBe("MISS");
    expect((await app.request(`${BASE}/thing`, { headers: { "accept-language": "fr" } })).headers.get("x-cache")).toBe("MISS");
    const enAgain = await app.request(`${BASE}/thing`, { headers: { "accept-language": "en" } });
    expect(enAgain.headers.get("x-cache")).toBe("HIT");
    expect(await enAgain.json()).toMatchObject({ lang: "en" });
    expect(enAgain.headers.get("content-language")).toBe("en");
    expect(enAgain.headers.get("set-x")).toBeNull();
  });

  it("authenticated: 'bypass' never caches credentialed requests; 'shared' shares them", async () => {
    const bypass = appWith({ ttl: "1 m", authenticated: "bypass" });
    expect((await bypass.request(`${BASE}/thing`, { headers: { authorization: "Bearer a" } })).headers.get("x-cache")).toBe("BYPASS");
    expect((await bypass.request(`${BASE}/thing`, { headers: { authorization: "Bearer a" } })).headers.get("x-cache")).toBe("BYPASS");
    const shared = appWith({ ttl: "1 m", authenticated: "shared" });
    expect((await shared.request(`${BASE}/thing`, { headers: { authorization: "Bearer a" } })).headers.get("x-cache")).toBe("MISS");
    expect((await shared.request(`${BASE}/thing`, { headers: { authorization: "Bearer b" } })).headers.get("x-cache")).toBe("HIT");
  });

  it("STALE: served at once past the fresh window, revalidated in the background, then HIT with the new body", async () => {
    const app = appWith({ ttl: "300 ms", staleWhileRevalidate: "1 m" });
    const background: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p), passThroughOnException() {}, props: {} };
    const first = await (await app.request(`${BASE}/thing`, {}, undefined, ctx)).json();
    await sleep(400);
    const stale = await app.request(`${BASE}/thing`, {}, undefined, ctx);
    expect(stale.headers.get("x-cache")).toBe("STALE");
    expect(await stale.json()).toStrictEqual(first);
    expect(background).toHaveLength(1);
    await Promise.all(background);
    const fresh = await app.request(`${BASE}/thing`, {}, undefined, ctx);
    expect(fresh.headers.get("x-cache")).toBe("HIT");
    expect((await fresh.json()).n).toBeGreaterThan(first.n);
  });

  it("the background revalidation is the kit's own request: it is charged to no client's rate limit", async () => {
    // 3 requests a minute: the client's MISS, its STALE and the HIT below. Were the revalidation charged
    // as well (it used to be: a 2nd unit for the client's one request), it would take the 3rd unit —
    // or be refused, leaving the entry stale — and the last request would be a 429.
    const tiny = defineRateLimits({ policies: { tiny: { algorithm: "fixed-window", limit: 3, window: "60 s", identity: "ip" } } }).use("tiny");
    const app = appWith({ ttl: "300 ms", staleWhileRevalidate: "1 m" }, tiny);
    const background: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p), passThroughOnException() {}, props: {} };
    const first = await app.request(`${BASE}/thing`, {}, undefined, ctx);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const firstBody = await first.json();
    await sleep(400);
    const stale = await app.request(`${BASE}/thing`, {}, undefined, ctx);
    expect(stale.headers.get("x-cache")).toBe("STALE");
    await Promise.all(background);
    const fresh = await app.request(`${BASE}/thing`, {}, undefined, ctx);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("x-cache")).toBe("HIT");
    expect(fresh.headers.get("ratelimit")).toMatch(/^"tiny";r=0;t=\d+$/);
    expect((await fresh.json()).n).toBeGreaterThan(firstBody.n);
  });
});

describe("round trips", () => {
  let local: UpstashLocal;
  const token = "cache-round-trips-token";
  beforeAll(async () => {
    local = await startUpstashLocal({ port: 0, token, redisUrl: upstashTarget().redisUrl });
  });
  afterAll(() => local.close());

  it("a HIT costs exactly one HTTP request to Redis; a MISS costs a few, none of them per-byte", async () => {
    const kit = createTestKit({ url: local.url, token });
    const app = createApp(kit, { register: registerExampleRoutes, basePath: BASE, routes: defineRoutes([{ pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { cache: { ttl: "1 m" } } }]) });
    app.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));
    const url = `${BASE}/items/${freshId()}`;
    await app.request(url); // warm the script cache (EVALSHA → NOSCRIPT → EVAL happens once)

    const id = freshId();
    const before = local.stats();
    const miss = await app.request(`${BASE}/items/${id}`);
    const afterMiss = local.stats();
    expect(miss.headers.get("x-cache")).toBe("MISS");
    // read + lease with version keys in one script (1, issue 10) + store with lease release (1)
    expect(afterMiss.httpRequests - before.httpRequests).toBe(2);

    const hit = await app.request(`${BASE}/items/${id}`);
    const afterHit = local.stats();
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(afterHit.httpRequests - afterMiss.httpRequests).toBe(1);
    expect(afterHit.redisCommands - afterMiss.redisCommands).toBe(1);
  });
});
