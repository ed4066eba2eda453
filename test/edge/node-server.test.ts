/**
 * serveNode(): the Hono app on @hono/node-server tells clients apart by their socket address when
 * proxy headers are not trusted (TRUST_PROXY unset), and ignores the forwarding headers a client
 * could forge. Real sockets from distinct loopback addresses (127.0.0.2, 127.0.0.3: Linux routes
 * all of 127/8 to lo), real rate limits against upstash-local.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveNode, type NodeServer } from "@/edge/node-server";
import { defineRoutes } from "@/lib/policy";
import { defineRateLimits } from "@/lib/ratelimit";
import { createTestKit } from "../setup/kit";

const limits = defineRateLimits({ policies: { once: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" } } });
const routes = defineRoutes([{ pattern: "/once", methods: ["GET"], name: "once", policy: { rateLimit: limits.use("once") } }]);

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
  it("limits each socket address separately, and forged x-forwarded-for changes nothing", async () => {
    // The route has no handler: an admitted request is the app's 404, a refused one the gate's 429.
    expect(await getFrom("127.0.0.2")).toBe(404);
    expect(await getFrom("127.0.0.2")).toBe(429);
    expect(await getFrom("127.0.0.2", { "x-forwarded-for": "198.51.100.7", "x-real-ip": "198.51.100.8" })).toBe(429);
    expect(await getFrom("127.0.0.3")).toBe(404);
    expect(await getFrom("127.0.0.3")).toBe(429);
  });
});
