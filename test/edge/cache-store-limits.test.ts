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
import { fillLeases, lapse } from "../setup/fill-lease";
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
  return { get: () => app.request(URL_), loads: () => n, name: routes[0]!.name! };
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

describe("the body the store reads", () => {
  const CHUNK = 64 * 1024;
  /** A body of `total` bytes made on demand, counting what has been pulled out of it so far. */
  function countedBody(total: number) {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= total) return controller.close();
          const size = Math.min(CHUNK, total - pulled);
          pulled += size;
          controller.enqueue(new Uint8Array(size).fill(120));
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, pulled: () => pulled };
  }

  it("stops at maxBodyBytes: a larger body reaches the client as a stream, never whole in memory first", async () => {
    const total = 16 * 1024 * 1024;
    let body = countedBody(total);
    const { get } = appWith({ ttl: "1 m", maxBodyBytes: 256 * 1024 }, (_c, n) => {
      if (n > 1) body = countedBody(total);
      return new Response(body.stream, { headers: { "content-type": "application/octet-stream" } });
    });
    const res = await get();
    expect([res.status, res.headers.get("x-cache")]).toEqual([200, "MISS"]);
    // The response is in the client's hands: the store read at most the cap (plus the chunk that crossed it).
    expect(body.pulled()).toBeLessThanOrEqual(256 * 1024 + CHUNK);
    // …and every byte still arrives, in order.
    expect((await res.arrayBuffer()).byteLength).toBe(total);
    expect(body.pulled()).toBe(total);
    // Not stored; the lease became a pass marker: the next request goes to the route at once, unstored.
    const again = await get();
    expect([again.status, again.headers.get("x-cache")]).toEqual([200, "MISS"]);
    await again.body?.cancel();
  });

  it("a body that fails while being stored leaves a pass marker, not a held lease (the next request does not wait)", async () => {
    let fail = true;
    const { get, loads, name } = appWith({ ttl: "1 m" }, () => {
      if (!fail) return new Response("ok");
      fail = false;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("partial"));
          controller.error(new Error("upstream went away"));
        },
      });
      return new Response(stream);
    });
    const first = await get();
    expect(first.status).toBe(500);
    // Had the lease been left behind, this request would wait for it (3 s of polls) and then load unstored.
    expect((await fillLeases(kit, name)).map((l) => l.value)).toEqual(["pass"]);
    const second = await get();
    expect([second.status, second.headers.get("x-cache")]).toEqual([200, "MISS"]);
    await lapse(kit, name);
    expect((await get()).headers.get("x-cache")).toBe("MISS");
    expect((await get()).headers.get("x-cache")).toBe("HIT");
    expect(loads()).toBe(3);
  });
});
