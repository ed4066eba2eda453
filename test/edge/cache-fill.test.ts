/**
 * The fill lease on the Hono paths (createApp's `gates()` and the standalone `cache()` middleware),
 * with the real kit: a request that lost the lease takes it over once the winner gave it back without
 * storing, and a handler that throws — even a non-Error, which escapes Hono's onError — gives the lease
 * back, so the next reader fills the entry instead of polling 3 s for a fill that never comes.
 *
 * The signal is timing-free: only a lease holder stores, so "the next request is a HIT" proves the
 * previous one held the lease (a reader that polled out its wait loads without one and stores nothing).
 */
import { Hono, type Context } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import { cache } from "@/edge/middleware/cache";
import { onError } from "@/edge/on-error";
import type { RouteCachePolicy } from "@/lib/cache";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";

const BASE = "/api/edge";
const kit = createTestKit();
let counter = 0;

type Handler = (c: Context<AppEnv>, n: number) => Response | Promise<Response>;

function routesFor(policy: RouteCachePolicy = { ttl: "1 m" }) {
  return defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `fill-${Date.now().toString(36)}-${counter++}`, policy: { cache: policy } }]);
}

/** createApp: the gates() middleware, as the app ships. */
function gatedApp(handler: Handler) {
  const app = createApp(kit, { basePath: BASE, routes: routesFor() });
  let n = 0;
  app.get("/thing", (c) => handler(c, ++n));
  return { get: () => app.request(`${BASE}/thing`) };
}

/** The standalone cache() middleware on a bare Hono app. */
function cachedApp(handler: Handler) {
  const table = createRouteTable(routesFor());
  const app = new Hono<AppEnv>().basePath(BASE);
  app.use(async (c, next) => {
    c.set("kit", kit);
    c.set("route", table.match(c.req.method, c.req.path.slice(BASE.length)));
    await next();
  });
  app.onError(onError);
  app.use(cache({ dispatch: (request) => Promise.resolve(app.fetch(request)) }));
  let n = 0;
  app.get("/thing", (c) => handler(c, ++n));
  return { get: () => app.request(`${BASE}/thing`) };
}

const apps = [
  ["gates()", gatedApp],
  ["cache()", cachedApp],
] as const;

describe.each(apps)("%s", (_name, build) => {
  it("a request that lost the lease takes it over when the winner gives it back unstored, and stores", async () => {
    let winnerRunning!: () => void;
    const running = new Promise<void>((r) => (winnerRunning = r));
    const { get } = build(async (c, n) => {
      if (n > 1) return c.json({ n });
      winnerRunning();
      await new Promise((r) => setTimeout(r, 300));
      return c.json({ error: "upstream down" }, 502);
    });
    const winner = get();
    await running; // the winner holds the lease: the next request waits for its fill
    const waiter = await get();
    expect((await winner).status).toBe(502);
    expect([waiter.status, waiter.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect(await waiter.json()).toStrictEqual({ n: 2 });
    const next = await get();
    expect(next.headers.get("x-cache")).toBe("HIT");
    expect(await next.json()).toStrictEqual({ n: 2 });
  });

  it.each([
    ["an Error", () => new Error("boom")],
    ["a non-Error value", () => "boom"],
  ])("a handler throwing %s gives the lease back: the next request fills the entry", async (_label, thrown) => {
    const { get } = build((c, n) => {
      if (n === 1) throw thrown();
      return c.json({ n });
    });
    const failed = await Promise.resolve()
      .then(get)
      .then(
        (res) => res.status,
        () => "rejected",
      );
    expect([500, "rejected"]).toContain(failed);
    const refill = await get();
    expect([refill.status, refill.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect((await get()).headers.get("x-cache")).toBe("HIT");
  });
});
