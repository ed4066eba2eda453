/**
 * What storing a MISS may cost: the body the store reads, and what happens when it cannot be stored.
 * Through the real Hono app (createApp's gates()) and the real kit.
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
const kit = createTestKit();
let counter = 0;

function appWith(cache: RouteCachePolicy, handler: (c: Context<AppEnv>, n: number) => Response | Promise<Response>) {
  let n = 0;
  const routes = defineRoutes([{ pattern: "/thing", methods: ["GET"], name: `limits-${Date.now().toString(36)}-${counter++}`, policy: { cache } }]);
  const app = createApp(kit, { basePath: BASE, routes });
  app.get("/thing", (c) => handler(c, ++n));
  return { get: () => app.request(URL_), loads: () => n };
}

describe("a body larger than the cache can hold", () => {
  it("under a maxBodyBytes past the entry cap is served (MISS, not stored), never a 500", async () => {
    // 900 KB of body fits maxBodyBytes (2 MiB) but its base64 snapshot is over the cache's 1 MiB entry cap.
    const body = "x".repeat(900_000);
    const { get, loads } = appWith({ ttl: "1 m", maxBodyBytes: 2 * 1024 * 1024 }, () => new Response(body, { headers: { "content-type": "text/plain" } }));
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect((await first.text()).length).toBe(body.length);
    // The lease was given back: the next request is the filler again, not a waiter.
    const second = await get();
    expect([second.status, second.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect(loads()).toBe(2);
  });
});
