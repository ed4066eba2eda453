/**
 * HTTP semantics of the response cache (RFC 9110 / RFC 9111) through a real Hono app and the real kit:
 * what the origin's own `Vary` and `Cache-Control` forbid is never stored; a HIT answers a matching
 * conditional request with 304; the background revalidation is never conditional itself.
 */
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import type { RouteCachePolicy } from "@/lib/cache";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";

const BASE = "/api/edge";
const URL_ = `${BASE}/thing`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let counter = 0;
const kit = createTestKit();

/** An app whose GET /thing has `cache` and answers with `handler`; `loads()` counts handler runs. */
function appWith(cache: RouteCachePolicy, handler: (c: Context<AppEnv>, n: number) => Response) {
  let n = 0;
  const routes = defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `sem-${Date.now().toString(36)}-${counter++}`, policy: { cache } }]);
  const app = createApp(kit, { basePath: BASE, routes });
  app.get("/thing", (c) => handler(c, ++n));
  const background: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p), passThroughOnException() {}, props: {} };
  const get = (headers: Record<string, string> = {}) => app.request(URL_, { headers }, undefined, ctx);
  return { get, loads: () => n, settle: () => Promise.all(background.splice(0)) };
}

const json = (body: unknown, headers: Record<string, string>) => Response.json(body, { headers });

describe("the origin's Vary (RFC 9111 §4.1)", () => {
  it("Vary: * is never stored, and says why in x-cache-not-stored", async () => {
    const { get, loads } = appWith({ ttl: "1 m" }, (_c, n) => json({ n }, { vary: "*" }));
    for (let i = 0; i < 2; i++) {
      const res = await get();
      expect(res.headers.get("x-cache")).toBe("MISS");
      expect(res.headers.get("x-cache-not-stored")).toBe("vary=*");
    }
    expect(loads()).toBe(2);
  });

  it("Vary on a request header the policy does not key on is not stored; once the policy keys on it, it is", async () => {
    const unkeyed = appWith({ ttl: "1 m" }, (_c, n) => json({ n }, { vary: "Accept-Encoding, Origin" }));
    const first = await unkeyed.get({ "accept-encoding": "gzip" });
    expect(first.headers.get("x-cache-not-stored")).toBe("vary=accept-encoding,origin");
    expect((await unkeyed.get({ "accept-encoding": "gzip" })).headers.get("x-cache")).toBe("MISS");

    const keyed = appWith({ ttl: "1 m", vary: ["Accept-Encoding", "origin"] }, (_c, n) => json({ n }, { vary: "accept-encoding, Origin" }));
    expect((await keyed.get({ "accept-encoding": "gzip" })).headers.get("x-cache")).toBe("MISS");
    const hit = await keyed.get({ "accept-encoding": "gzip" });
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(hit.headers.get("vary")).toBe("accept-encoding, Origin");
    expect((await keyed.get({ "accept-encoding": "br" })).headers.get("x-cache")).toBe("MISS");
  });

  it("Vary: Cookie / Authorization are keyed already under authenticated 'per-user', not under 'shared'", async () => {
    const perUser = appWith({ ttl: "1 m" }, (_c, n) => json({ n }, { vary: "Cookie, Authorization" }));
    await perUser.get();
    expect((await perUser.get()).headers.get("x-cache")).toBe("HIT");
    const shared = appWith({ ttl: "1 m", authenticated: "shared" }, (_c, n) => json({ n }, { vary: "Cookie" }));
    expect((await shared.get()).headers.get("x-cache-not-stored")).toBe("vary=cookie");
    expect((await shared.get()).headers.get("x-cache")).toBe("MISS");
  });
});

describe("the origin's Cache-Control (RFC 9111 §3, §5.2.2)", () => {
  it.each(["no-store", "no-cache", "private", "public, No-Cache", 'max-age=60, PRIVATE'])("%s is never stored", async (directive) => {
    const { get, loads } = appWith({ ttl: "1 m" }, (_c, n) => json({ n }, { "cache-control": directive }));
    const first = await get();
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(first.headers.get("x-cache-not-stored")).toMatch(/^cache-control=(no-store|no-cache|private)$/);
    expect((await get()).headers.get("x-cache")).toBe("MISS");
    expect(loads()).toBe(2);
  });

  it.each(['no-cache="X-Secret"', 'private="x-secret, x-user"'])("%s (qualified) stores the response without the named fields", async (directive) => {
    const { get } = appWith({ ttl: "1 m", headers: ["x-secret", "x-other"] }, (_c, n) => json({ n }, { "cache-control": directive, "x-secret": "s", "x-other": "o" }));
    expect((await get()).headers.get("x-secret")).toBe("s");
    const hit = await get();
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(hit.headers.get("x-secret")).toBeNull();
    expect(hit.headers.get("x-other")).toBe("o");
  });

  it("max-age=0 (aimed at browsers: the route policy's ttl governs this cache) is stored", async () => {
    const { get } = appWith({ ttl: "1 m" }, (_c, n) => json({ n }, { "cache-control": "public, max-age=0, must-revalidate" }));
    await get();
    expect((await get()).headers.get("x-cache")).toBe("HIT");
  });
});

describe("conditional requests answered from the cache (RFC 9110 §13.1, §13.2.2, §15.4.5)", () => {
  const LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";
  const validated = () =>
    appWith({ ttl: "1 m" }, (_c, n) =>
      json({ n }, { etag: 'W/"v1"', "last-modified": LAST_MODIFIED }),
    );

  it("If-None-Match that weakly matches the stored ETag (or *) is a 304 HIT with the validators and no body", async () => {
    const { get, loads } = appWith({ ttl: "1 m", vary: ["accept-language"] }, (_c, n) =>
      json({ n }, { etag: 'W/"v1"', "last-modified": LAST_MODIFIED, "cache-control": "public, max-age=0", vary: "accept-language" }),
    );
    await get();
    for (const inm of ['"v1"', 'W/"v1"', '"nope", W/"v1"', "*"]) {
      const res = await get({ "if-none-match": inm });
      expect(res.status, inm).toBe(304);
      expect(res.headers.get("x-cache")).toBe("HIT");
      expect(res.headers.get("etag")).toBe('W/"v1"');
      expect(res.headers.get("cache-control")).toBe("public, max-age=0");
      expect(res.headers.get("vary")).toBe("accept-language");
      expect(res.headers.get("age")).not.toBeNull();
      expect(res.headers.get("content-type")).toBeNull();
      expect(await res.text()).toBe("");
    }
    const other = await get({ "if-none-match": '"v2", "v1-but-not-quite"' });
    expect([other.status, other.headers.get("x-cache")]).toEqual([200, "HIT"]);
    expect(await other.json()).toStrictEqual({ n: 1 });
    expect(loads()).toBe(1);
  });

  it("If-Modified-Since compares with the stored Last-Modified, and is ignored when If-None-Match is present or it is no HTTP-date", async () => {
    const { get } = validated();
    await get();
    const status = async (headers: Record<string, string>) => (await get(headers)).status;
    expect(await status({ "if-modified-since": LAST_MODIFIED })).toBe(304);
    expect(await status({ "if-modified-since": "Thu, 22 Oct 2015 07:28:00 GMT" })).toBe(304);
    expect(await status({ "if-modified-since": "Wednesday, 21-Oct-15 07:28:00 GMT" })).toBe(304);
    expect(await status({ "if-modified-since": "Wed Oct 21 07:28:00 2015" })).toBe(304);
    expect(await status({ "if-modified-since": "Tue, 20 Oct 2015 07:28:00 GMT" })).toBe(200);
    expect(await status({ "if-modified-since": "yesterday" })).toBe(200);
    expect(await status({ "if-modified-since": `${LAST_MODIFIED}, ${LAST_MODIFIED}` })).toBe(200);
    // §13.2.2: If-None-Match is evaluated instead of If-Modified-Since.
    expect(await status({ "if-none-match": '"v2"', "if-modified-since": LAST_MODIFIED })).toBe(200);
  });

  it("a STALE hit answers a matching conditional request with 304 too, keeping x-cache: STALE", async () => {
    const { get, settle } = appWith({ ttl: "300 ms", staleWhileRevalidate: "1 m" }, (_c, n) => json({ n }, { etag: '"same"' }));
    await get();
    await sleep(400);
    const stale = await get({ "if-none-match": '"same"' });
    expect([stale.status, stale.headers.get("x-cache"), stale.headers.get("etag")]).toEqual([304, "STALE", '"same"']);
    await settle();
  });
});

describe("the background revalidation is unconditional", () => {
  it("a STALE hit for a conditional or Range request still refreshes the entry (the route's 304/206 is never what it gets)", async () => {
    const seen: Record<string, string | undefined>[] = [];
    const { get, settle } = appWith({ ttl: "300 ms", staleWhileRevalidate: "1 m" }, (c, n) => {
      const conditional = ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"];
      seen.push(Object.fromEntries(conditional.map((name) => [name, c.req.header(name)])));
      // A route honouring its own validator (as Hono's etag() does): 304 when the client has it.
      if (c.req.header("if-none-match") === '"same"') return new Response(null, { status: 304, headers: { etag: '"same"' } });
      return json({ n }, { etag: '"same"' });
    });
    await get();
    await sleep(400);
    const stale = await get({ "if-none-match": '"same"', "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT", range: "bytes=0-1", "if-range": '"same"' });
    expect([stale.status, stale.headers.get("x-cache")]).toEqual([304, "STALE"]);
    await settle();
    expect(seen).toHaveLength(2);
    expect(Object.values(seen[1]!).filter((v) => v !== undefined)).toEqual([]);
    const fresh = await get();
    expect(fresh.headers.get("x-cache")).toBe("HIT");
    expect(await fresh.json()).toStrictEqual({ n: 2 });
  });
});

// RFC 9110 §9.3.2: a HEAD answer has no content to store, but may be answered from a stored GET response.
describe.each([
  ["an entry that lists HEAD", ["GET", "HEAD"] as const],
  ["the GET entry it is matched through", ["GET"] as const],
])("HEAD on %s", (_name, methods) => {
  function headAndGetApp() {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let n = 0;
    const routes = defineRoutes([{ pattern: "/thing", methods: [...methods], name: `head-${Date.now().toString(36)}-${counter++}`, policy: { cache: { ttl: "1 m" } } }]);
    const app = createApp(kit, { basePath: BASE, routes });
    app.get("/thing", async (c) => {
      const k = ++n;
      if (c.req.method === "HEAD") await held;
      return c.json({ k });
    });
    return { app, release, loads: () => n };
  }

  it("never takes the fill lease: a GET arriving while a HEAD's route runs fills the entry itself", async () => {
    const { app, release } = headAndGetApp();
    const head = app.request(URL_, { method: "HEAD" });
    await sleep(50); // the HEAD is in its route now
    try {
      const first = await app.request(URL_);
      expect(first.headers.get("x-cache")).toBe("MISS");
      // Stored by this GET: it held the lease, not waiting on the HEAD's (which would never store).
      expect((await app.request(URL_)).headers.get("x-cache")).toBe("HIT");
    } finally {
      release();
    }
    const headRes = await head;
    expect(headRes.status).toBe(200);
    expect(headRes.headers.get("x-cache")).toBe("MISS");
  });

  it("is answered from the stored entry, without a body", async () => {
    const { app, release, loads } = headAndGetApp();
    release();
    expect((await app.request(URL_)).headers.get("x-cache")).toBe("MISS");
    const head = await app.request(URL_, { method: "HEAD" });
    expect(head.headers.get("x-cache")).toBe("HIT");
    expect(await head.text()).toBe("");
    expect(loads()).toBe(1);
  });
});
