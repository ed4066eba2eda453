/**
 * middleware.ts is an error boundary: whatever a gate throws leaves as RFC 9457 problem+json — a
 * fail-closed policy with Redis down is a 503 + Retry-After, an identifier too long to key a 400 —
 * never Next's bare 500.
 */
import { NextRequest, type NextFetchEvent } from "next/server";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetKitForTests();
});
afterAll(() => resetKitForTests());

async function callWith(env: Record<string, string>, path: string) {
  Object.assign(process.env, { EDGE_KIT_KEY_PREFIX: uniquePrefix("mwerr").slice(0, -1).replace(":", "-"), TRUST_PROXY: "true", ...env });
  resetKitForTests();
  const { middleware } = await import("@/middleware");
  const event = { waitUntil: () => undefined } as unknown as NextFetchEvent;
  return middleware(new NextRequest(`http://localhost${path}`, { headers: { "x-forwarded-for": "10.95.0.1" } }), event);
}

describe("middleware.ts error boundary", () => {
  it("a fail-closed gate with Redis unreachable answers 503 + Retry-After problem+json", async () => {
    const res = await callWith(
      {
        // Refuses connections: every Redis call fails fast.
        UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
        UPSTASH_REDIS_REST_TOKEN: "x",
        RATE_LIMIT_FAIL_POLICY: "closed",
        CACHE_FAIL_POLICY: "closed",
      },
      "/api/items/1",
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("an id too long to key answers 400 problem+json", async () => {
    const target = upstashTarget();
    const res = await callWith({ UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token }, `/api/items/${"!".repeat(200)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.text()).not.toMatch(/at .*\.ts:\d+/);
  });

  it("a configuration that fails validation at run time (build validation skipped) answers 500 problem+json, never echoing values", async () => {
    const target = upstashTarget();
    const res = await callWith(
      { UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token, RATE_LIMIT_FAIL_POLICY: "sometimes-secret-value" },
      "/api/items/1",
    );
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(text).not.toMatch(/sometimes-secret-value|at .*\.ts:\d+/);
  });
});
