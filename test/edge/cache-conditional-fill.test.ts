/**
 * A cache fill whose client sent validators (a returning browser's If-None-Match) reaches the route
 * unconditional, so a route that honours validators (Hono's `etag()`) answers the full 200, which is
 * stored; the client still gets its 304, answered from that 200. Forwarded as is, the route answered
 * 304, nothing was stored, and while every client revalidated the entry was never filled.
 * Through createApp's `gates()` and the standalone `cache()` middleware, with the real kit.
 */
import type { Hono } from "hono";
import { etag } from "hono/etag";
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";
import { BASE, bareCacheApp } from "./cache-app";

const kit = createTestKit();
let counter = 0;

function routesFor() {
  const name = `cond-${Date.now().toString(36)}-${counter++}`;
  return defineRoutes([
    { pattern: "/thing", methods: ["GET"], name, policy: { cache: { ttl: "1 m" } } },
    { pattern: "/part", methods: ["GET"], name: `${name}-part`, policy: { cache: { ttl: "1 m" } } },
  ]);
}

/** A route behind Hono's etag(): a matching If-None-Match gets its 304 from the route itself. */
function mountThing(app: Hono<AppEnv, any, any>) {
  let runs = 0;
  app.use("/thing", etag());
  app.get("/thing", (c) => {
    runs++;
    return c.json({ name: "thing" }, 200, { etag: '"v1"' });
  });
  return () => runs;
}

function gatedApp() {
  const app = createApp(kit, { basePath: BASE, routes: routesFor() });
  return { app, runs: mountThing(app) };
}

function cachedApp() {
  const app = bareCacheApp(kit, routesFor());
  return { app, runs: mountThing(app) };
}

describe.each([
  ["gates()", gatedApp],
  ["cache()", cachedApp],
] as const)("%s", (_name, build) => {
  it("a MISS carrying a matching If-None-Match fills the entry, and its client still gets a 304", async () => {
    const { app, runs } = build();
    const revalidating = await app.request(`${BASE}/thing`, { headers: { "if-none-match": '"v1"' } });
    expect([revalidating.status, revalidating.headers.get("x-cache"), revalidating.headers.get("etag")]).toEqual([304, "MISS", '"v1"']);
    expect(await revalidating.text()).toBe("");

    const next = await app.request(`${BASE}/thing`);
    expect([next.status, next.headers.get("x-cache")]).toEqual([200, "HIT"]);
    expect(await next.json()).toStrictEqual({ name: "thing" });
    expect(runs()).toBe(1);
  });

  it("a MISS whose validators do not match gets the full 200, stored", async () => {
    const { app, runs } = build();
    const changed = await app.request(`${BASE}/thing`, { headers: { "if-none-match": '"v0"' } });
    expect([changed.status, changed.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect(await changed.json()).toStrictEqual({ name: "thing" });
    expect((await app.request(`${BASE}/thing`)).headers.get("x-cache")).toBe("HIT");
    expect(runs()).toBe(1);
  });
});

describe.each([
  ["gates()", gatedApp],
  ["cache()", cachedApp],
] as const)("%s: a fill answered for its own range", (_name, build) => {
  it("a 206 leaves no pass marker: the next plain GET fills the entry at once", async () => {
    const { app } = build();
    app.get("/part", (c) => (c.req.header("range") ? c.body("ab", 206, { "content-range": "bytes 0-1/4" }) : c.body("abcd")));
    // The 206 answers this request's Range, not what the URL answers others: not stored, but no
    // reason to send everyone to the route for UNSTORABLE_PASS_MS (a client repeating it kept it uncached).
    const partial = await app.request(`${BASE}/part`, { headers: { range: "bytes=0-1" } });
    expect([partial.status, partial.headers.get("x-cache")]).toEqual([206, "MISS"]);
    expect((await app.request(`${BASE}/part`)).headers.get("x-cache")).toBe("MISS");
    const next = await app.request(`${BASE}/part`);
    expect([next.status, next.headers.get("x-cache"), await next.text()]).toEqual([200, "HIT", "abcd"]);
  });
});

describe("what the fill forwards", () => {
  it("a request with a Range or If-Match reaches the route with all its conditions (it decides 206/412)", async () => {
    const seen: Array<string | undefined> = [];
    const routes = routesFor();
    const app = createApp(kit, { basePath: BASE, routes });
    app.get("/thing", (c) => {
      seen.push(c.req.header("if-none-match"));
      return c.json({ name: "thing" });
    });
    await app.request(`${BASE}/thing`, { headers: { "if-none-match": '"v1"', "if-match": '"v1"' } });
    expect(seen).toEqual(['"v1"']);
  });
});
