/**
 * The fill lease on the Hono paths (createApp's `gates()` and the standalone `cache()` middleware),
 * with the real kit. A fill whose answer cannot be stored — an error status, or a handler that throws,
 * even a non-Error, which escapes Hono's onError — leaves a pass marker on the lease for
 * UNSTORABLE_PASS_MS (Varnish's hit-for-pass): requests waiting for that fill go to the route at once,
 * and so does everyone until the marker lapses; then the next request fills the entry.
 *
 * The signals are timing-free: only a lease holder stores, so "the next request is a HIT" proves the
 * previous one held the lease; the marker is read from Redis, and `lapse` ends it early.
 */
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import { CACHE_FILL_HEADER, UNSTORABLE_PASS_MS, type RouteCachePolicy } from "@/lib/cache";
import { defineRoutes } from "@/lib/policy";
import { fillLeases, lapse } from "../setup/fill-lease";
import { createTestKit } from "../setup/kit";
import { BASE, bareCacheApp } from "./cache-app";

const kit = createTestKit();
let counter = 0;

type Handler = (c: Context<AppEnv>, n: number) => Response | Promise<Response>;

function routesFor(policy: RouteCachePolicy = { ttl: "1 m" }) {
  return defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `fill-${Date.now().toString(36)}-${counter++}`, policy: { cache: policy } }]);
}

/** createApp: the gates() middleware, as the app ships. */
function gatedApp(handler: Handler) {
  const routes = routesFor();
  const app = createApp(kit, { basePath: BASE, routes });
  let n = 0;
  app.get("/thing", (c) => handler(c, ++n));
  return { get: (init?: RequestInit) => app.request(`${BASE}/thing`, init), name: routes[0]!.name! };
}

/** The standalone cache() middleware on a bare Hono app. */
function cachedApp(handler: Handler) {
  const routes = routesFor();
  const app = bareCacheApp(kit, routes);
  let n = 0;
  app.get("/thing", (c) => handler(c, ++n));
  return { get: (init?: RequestInit) => app.request(`${BASE}/thing`, init), name: routes[0]!.name! };
}

const apps = [
  ["gates()", gatedApp],
  ["cache()", cachedApp],
] as const;

describe.each(apps)("%s", (_name, build) => {
  it("a request waiting for a fill whose answer is not storable goes to the route as soon as it is passed; nothing is stored until the marker lapses", async () => {
    let winnerRunning!: () => void;
    const running = new Promise<void>((r) => (winnerRunning = r));
    const { get, name } = build(async (c, n) => {
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
    const [marker] = await fillLeases(kit, name);
    expect(marker?.value).toBe("pass");
    expect(marker?.pttl).toBeGreaterThan(0);
    expect(marker?.pttl).toBeLessThanOrEqual(UNSTORABLE_PASS_MS);
    // Within the pass window: straight to the route, not stored (no lease to store with).
    const passed = await get();
    expect([passed.headers.get("x-cache"), await passed.json()]).toStrictEqual(["MISS", { n: 3 }]);
    await lapse(kit, name);
    expect((await get()).headers.get("x-cache")).toBe("MISS"); // the filler again
    const next = await get();
    expect(next.headers.get("x-cache")).toBe("HIT");
    expect(await next.json()).toStrictEqual({ n: 4 });
  });

  it("a hot URL whose answers are not storable is served in parallel, not one request at a time", async () => {
    let inRoute = 0;
    let most = 0;
    const { get } = build(async (c) => {
      most = Math.max(most, ++inRoute);
      await new Promise((r) => setTimeout(r, 100));
      inRoute--;
      return c.json({ error: "not found" }, 404);
    });
    const answers = await Promise.all(Array.from({ length: 8 }, () => get()));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(404));
    // Freeing the lease instead let one waiter take it over while the others polled on: never two at once.
    expect(most).toBeGreaterThan(1);
  });

  it("a client sending the pass marker's value as a fill ticket proves nothing: it neither ends nor renews the marker", async () => {
    const { get, name } = build((c, n) => (n === 1 ? c.json({ error: "upstream down" }, 502) : c.json({ n })));
    expect((await get()).status).toBe(502);
    expect((await fillLeases(kit, name)).map((l) => l.value)).toEqual(["pass"]);
    // "pass" is the marker, never a lease token: as a proof it made this request the "filler", whose
    // 200 then freed the marker with it (and an unstorable answer would have renewed it, at will).
    const forged = await get({ headers: { [CACHE_FILL_HEADER]: "pass" } });
    expect([forged.status, forged.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect((await fillLeases(kit, name)).map((l) => l.value)).toEqual(["pass"]);
  });

  it.each([
    ["an Error", () => new Error("boom")],
    ["a non-Error value", () => "boom"],
  ])("a handler throwing %s leaves a pass marker, not a held lease: the next request goes to the route at once", async (_label, thrown) => {
    const { get, name } = build((c, n) => {
      if (n === 1) throw thrown();
      return c.json({ n });
    });
    const failed = await Promise.resolve()
      .then(() => get())
      .then(
        (res) => res.status,
        () => "rejected",
      );
    expect([500, "rejected"]).toContain(failed);
    expect((await fillLeases(kit, name)).map((l) => l.value)).toEqual(["pass"]);
    const passed = await get();
    expect([passed.status, passed.headers.get("x-cache")]).toEqual([200, "MISS"]);
    await lapse(kit, name);
    expect((await get()).headers.get("x-cache")).toBe("MISS");
    expect((await get()).headers.get("x-cache")).toBe("HIT");
  });
});
