/**
 * serveNode(): the Hono app on @hono/node-server tells clients apart by their socket address when
 * proxy headers are not trusted (TRUST_PROXY unset), and ignores the forwarding headers a client
 * could forge. Real sockets from distinct loopback addresses (127.0.0.2, 127.0.0.3: Linux routes
 * all of 127/8 to lo), real rate limits against upstash-local.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemsStoreLoads } from "@/edge/example/items-store";
import { serveNode, type NodeServer } from "@/edge/node-server";
import { defineRoutes } from "@/lib/policy";
import { defineRateLimits } from "@/lib/ratelimit";
import { createTestKit } from "../setup/kit";
import { clearOfWindowEdge } from "../setup/window-edge";

const limits = defineRateLimits({ policies: { once: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" } } });
const routes = defineRoutes([
  { pattern: "/once", methods: ["GET"], name: "once", policy: { rateLimit: limits.use("once") } },
  { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { cache: { ttl: "300 ms", staleWhileRevalidate: "1 m" } } },
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: NodeServer;
beforeAll(async () => {
  server = await serveNode(createTestKit({ env: { TRUST_PROXY: "false" } }), { port: 0, hostname: "127.0.0.1", routes });
});
afterAll(() => server.close());

/** GET from a given local address; resolves with the status. */
function getFrom(localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path: "/api/edge/once", localAddress, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serveNode without a trusted proxy", () => {
  // 127.0.0.2/127.0.0.3 as source addresses need Linux's 127/8 loopback route.
  it.runIf(process.platform === "linux")("limits each socket address separately, and forged x-forwarded-for changes nothing", async () => {
    await clearOfWindowEdge(3_600_000, 5_000); // the `once` window: both requests of a pair must share it
    // The route has no handler: an admitted request is the app's 404, a refused one the gate's 429.
    expect(await getFrom("127.0.0.2")).toBe(404);
    expect(await getFrom("127.0.0.2")).toBe(429);
    expect(await getFrom("127.0.0.2", { "x-forwarded-for": "198.51.100.7", "x-real-ip": "198.51.100.8" })).toBe(429);
    expect(await getFrom("127.0.0.3")).toBe(404);
    expect(await getFrom("127.0.0.3")).toBe(429);
  });
});

describe("serveNode and the cache's background refresh", () => {
  // The refresh re-enters the app with app.fetch(request): no socket, so no peer address to read.
  // It must still run the handler and release its lease, or STALE would be served for the whole window.
  it("STALE is refreshed in the background, then HIT with the handler's new load", async () => {
    const url = `${server.url}/api/edge/items/node-refresh-${Date.now()}`;
    const miss = await fetch(url);
    expect(miss.headers.get("x-cache")).toBe("MISS");
    await miss.arrayBuffer();
    const loadsAfterMiss = itemsStoreLoads();
    await sleep(400);
    const stale = await fetch(url);
    expect(stale.status).toBe(200);
    expect(stale.headers.get("x-cache")).toBe("STALE");
    await stale.arrayBuffer();

    let next = "";
    for (let i = 0; i < 40 && next !== "HIT"; i++) {
      await sleep(100);
      const res = await fetch(url);
      next = res.headers.get("x-cache") ?? "";
      await res.arrayBuffer();
    }
    expect(next).toBe("HIT");
    expect(itemsStoreLoads()).toBe(loadsAfterMiss + 1);
  });
});
