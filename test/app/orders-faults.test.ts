/**
 * The fail policy through the Next entry point: with Upstash failing, middleware.ts refuses
 * POST /api/orders with 503 problem+json + Retry-After (closed by default) and the route never runs.
 */
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { upstashTarget } from "../setup/redis";
import { callNext, loadNext, type NextHarness } from "./orders-next-harness";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
let h: NextHarness;
beforeAll(async () => {
  msw.listen({ onUnhandledRequest: "bypass" });
  // RATE_LIMIT_FAIL_POLICY=open so the rate-limit gate before ours lets the request reach it.
  h = await loadNext({ REDIS_BREAKER_THRESHOLD: "0", RATE_LIMIT_FAIL_POLICY: "open" });
});
afterAll(() => {
  msw.close();
  h.restore();
});

it("Upstash answering 503: 503 problem+json with Retry-After from the middleware, the route does not run", async () => {
  msw.use(http.post(`${target.url}/pipeline`, () => HttpResponse.json({ error: "upstream down" }, { status: 503 })));
  const original = console.warn;
  console.warn = () => {};
  try {
    const { res, routed } = await callNext(h, "/api/orders", {
      headers: { "content-type": "application/json", "x-forwarded-for": "10.66.0.1", "idempotency-key": crypto.randomUUID() },
      body: '{"item_id":"sku-1","quantity":1}',
    });
    expect(routed).toBe(false);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await res.json()).toMatchObject({ title: "Idempotency store unavailable", code: "E_REDIS_UNAVAILABLE" });
  } finally {
    console.warn = original;
  }
});
