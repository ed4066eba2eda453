/**
 * Where Next's middleware sends a STALE entry's background revalidation (the cache gate's default
 * dispatch). A self-hosted `next start` builds the request URL from the client's Host header, so the
 * request's own URL is a target only where that Host is trusted; APP_ORIGIN names the app's origin;
 * with neither (self-hosted production) nothing is sent and the lease goes back at once.
 * Real kit, real Redis, a real HTTP server standing in for the app's origin.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_FILL_HEADER, withCachedResponse } from "@/lib/cache";
import { cacheGate } from "@/lib/cache/gate";
import type { GateOutcome } from "@/lib/gate";
import { createKit, type Kit } from "@/lib/kit";
import { loadConfig, type KitConfig } from "@/lib/config";
import { createRouteTable, defineRoutes } from "@/lib/policy";
import { fillLeases } from "../../setup/fill-lease";
import { uniquePrefix, upstashTarget } from "../../setup/redis";

let server: Server;
let appOrigin: string;
const received: Array<{ path: string | undefined; host: string | undefined; ticket: boolean }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ path: req.url, host: req.headers.host, ticket: typeof req.headers[CACHE_FILL_HEADER] === "string" });
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  appOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function kitWith(revalidationOrigin: KitConfig["revalidationOrigin"]): Kit {
  const target = upstashTarget();
  const config = loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token, EDGE_KIT_KEY_PREFIX: uniquePrefix("reval").slice(0, -1).replace(":", "-") });
  return createKit({ ...config, revalidationOrigin });
}

let counter = 0;

/** Fills an entry whose fresh window is 1 ms, then looks it up again (STALE) from `url`; returns the background work. */
async function staleLookup(kit: Kit, url: string) {
  const routes = defineRoutes([{ pattern: "/items/:id", methods: ["GET"], name: `reval-${Date.now().toString(36)}-${counter++}`, policy: { cache: { ttl: "1 ms", staleWhileRevalidate: "1 m" } } }]);
  const route = createRouteTable(routes).match("GET", "/items/7")!;
  const background: Promise<unknown>[] = [];
  const gate = () => cacheGate({ kit, request: new Request(url), route, identity: { ip: null, userId: null }, waitUntil: (p) => void background.push(p) });
  const miss = await gate();
  const ticket = (miss.action === "continue" && miss.requestHeaders?.get(CACHE_FILL_HEADER)) || "";
  await withCachedResponse(() => Response.json({ id: "7" }), { kit: () => kit, routes })(new Request(url, { headers: { [CACHE_FILL_HEADER]: ticket } }), {});
  await new Promise((r) => setTimeout(r, 5));
  const stale = await gate();
  return { stale, background, name: routes[0]!.name! };
}

const cacheStatus = (outcome: GateOutcome) => (outcome.action === "respond" ? outcome.response.headers.get("x-cache") : null);

describe("STALE revalidation target", () => {
  it("APP_ORIGIN: sent there, whatever Host the client named", async () => {
    received.length = 0;
    const { stale, background } = await staleLookup(kitWith(appOrigin), "http://internal.attacker.invalid/api/items/7?v=1");
    expect(cacheStatus(stale)).toBe("STALE");
    await Promise.all(background);
    expect(received).toEqual([{ path: "/api/items/7?v=1", host: new URL(appOrigin).host, ticket: true }]);
  });

  it("the request's own origin where its Host is trusted (development, test, Vercel)", async () => {
    received.length = 0;
    const { stale, background } = await staleLookup(kitWith("request"), `${appOrigin}/api/items/7`);
    expect(cacheStatus(stale)).toBe("STALE");
    await Promise.all(background);
    expect(received.map((r) => r.path)).toEqual(["/api/items/7"]);
  });

  it("neither (self-hosted production without APP_ORIGIN): nothing is sent, STALE is served, the lease goes back", async () => {
    received.length = 0;
    const kit = kitWith(null);
    const { stale, background, name } = await staleLookup(kit, `${appOrigin}/api/items/7`);
    expect(cacheStatus(stale)).toBe("STALE");
    await Promise.all(background);
    expect(received).toEqual([]);
    expect(await fillLeases(kit, name)).toEqual([]);
  });
});
