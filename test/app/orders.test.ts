/**
 * POST /api/orders through the Next entry point (middleware.ts gate → app/api/orders/route.ts
 * wrapped with withIdempotency), with the app's real kit.config.ts policy (idempotency required,
 * plus the `orders` rate limit of 10/min per identity: each test uses fresh client IPs).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callNext, loadNext, type NextHarness } from "./orders-next-harness";

let h: NextHarness;
beforeAll(async () => {
  h = await loadNext();
});
afterAll(() => h.restore());

let n = 0;
const newIp = () => `10.77.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
const ORDER = '{"item_id":"sku-1","quantity":2}';

function post(ip: string, key: string | null, body = ORDER) {
  const headers: Record<string, string> = { "content-type": "application/json", "x-forwarded-for": ip };
  if (key) headers["idempotency-key"] = key;
  return callNext(h, "/api/orders", { headers, body });
}

describe("POST /api/orders (Next)", () => {
  it("creates the order (201 with order_id, item_id, quantity, created_at) and replays it byte for byte", async () => {
    const ip = newIp();
    const key = crypto.randomUUID();
    const first = await post(ip, key);
    expect(first.routed).toBe(true);
    expect(first.res.status).toBe(201);
    const body = await first.res.text();
    expect(JSON.parse(body)).toMatchObject({ item_id: "sku-1", quantity: 2, order_id: expect.stringMatching(/^ord_[0-9a-f]{32}$/) });
    expect(new Date(JSON.parse(body).created_at).toISOString()).toBe(JSON.parse(body).created_at);
    // Rate-limit fields from the gate before ours still reach the route's response.
    expect(first.res.headers.get("ratelimit-policy")).toContain('"orders"');

    const replay = await post(ip, key);
    expect(replay.routed).toBe(false); // answered by the middleware: the route never ran
    expect(replay.res.status).toBe(201);
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.res.headers.get("content-type")).toBe("application/json");
    expect(await replay.res.text()).toBe(body);
  });

  it("400 problem+json without the key, and with a malformed one", async () => {
    const missing = await post(newIp(), null);
    expect(missing.routed).toBe(false);
    expect(missing.res.status).toBe(400);
    expect(missing.res.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.res.json()).toMatchObject({ problem: "missing" });
    expect((await post(newIp(), "tiny")).res.status).toBe(400);
  });

  it("400 problem+json for an invalid order body, stored like any deterministic answer", async () => {
    const ip = newIp();
    const key = crypto.randomUUID();
    const bad = await post(ip, key, '{"item_id":"","quantity":0}');
    expect(bad.res.status).toBe(400);
    const problem = await bad.res.json();
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(["item_id", "quantity"]);
    expect((await post(ip, key, "not json")).res.status).toBe(422); // same key, another body
  });

  it("422 when the key is reused with another payload", async () => {
    const ip = newIp();
    const key = crypto.randomUUID();
    await post(ip, key);
    const res = await post(ip, key, '{"item_id":"sku-1","quantity":3}');
    expect(res.res.status).toBe(422);
    expect((await res.res.json()).type).toBe("https://edge-kit.dev/problems/idempotency-key-reused");
  });

  it("scopes keys per identity: another caller's identical request with the same key creates its own order", async () => {
    const key = crypto.randomUUID();
    const a = await (await post(newIp(), key)).res.json();
    const second = await post(newIp(), key);
    expect(second.res.headers.get("idempotent-replayed")).toBeNull();
    expect((await second.res.json()).order_id).not.toBe(a.order_id);
  });

  it("409 + Retry-After while the first request is in flight (claimed by the gate, not yet completed by the route)", async () => {
    const ip = newIp();
    const key = crypto.randomUUID();
    const headers = { "content-type": "application/json", "x-forwarded-for": ip, "idempotency-key": key };
    const event = { waitUntil: () => {} } as unknown as import("next/server").NextFetchEvent;
    const { NextRequest } = await import("next/server");
    const claimed = await h.middleware(new NextRequest("http://localhost/api/orders", { method: "POST", headers, body: ORDER }), event);
    expect(claimed.headers.get("x-middleware-next")).toBe("1");
    const concurrent = await post(ip, key);
    expect(concurrent.res.status).toBe(409);
    expect(concurrent.res.headers.get("retry-after")).toBe("1");
  });

  it("refuses (500 problem, loud log) when the wrapped route is reached without the gate having run", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const res = await h.POST(new Request("http://localhost/api/orders", { method: "POST", body: ORDER }), {});
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ code: "E_IDEMPOTENCY_GATE_MISSING" });
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });

  it("ignores a client-forged claim header: the gate overwrites it", async () => {
    const ip = newIp();
    const key = crypto.randomUUID();
    const forged = await callNext(h, "/api/orders", {
      headers: { "content-type": "application/json", "x-forwarded-for": ip, "idempotency-key": key, "x-edge-kit-idempotency": "pass;no-key" },
      body: ORDER,
    });
    expect(forged.res.status).toBe(201);
    expect((await post(ip, key)).res.headers.get("idempotent-replayed")).toBe("true");
  });
});
