/**
 * middleware.ts never lets a client-sent internal header reach a route: the forwarded idempotency
 * claim (`x-edge-kit-idempotency`) and the cache fill ticket are the gates' to set. Where the gates
 * do not set them — no route matched, or a route without that policy — the client's copy is dropped
 * (Next forwards request headers through `x-middleware-override-headers` / `x-middleware-request-*`).
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

const FORGED = { "x-edge-kit-idempotency": "pass;no-key", "x-edge-kit-cache-fill": "forged", "x-forwarded-for": "10.96.0.1", "x-other": "kept" };

async function call(method: string, path: string): Promise<Response> {
  const target = upstashTarget();
  Object.assign(process.env, {
    EDGE_KIT_KEY_PREFIX: uniquePrefix("mwhdr").slice(0, -1).replace(":", "-"),
    TRUST_PROXY: "true",
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
  });
  resetKitForTests();
  const { middleware } = await import("@/middleware");
  const event = { waitUntil: () => undefined } as unknown as NextFetchEvent;
  return middleware(new NextRequest(`http://localhost${path}`, { method, headers: FORGED }), event);
}

/** The request headers Next hands the route after this middleware response (null: the original ones, untouched). */
function forwarded(res: Response): Headers | null {
  const names = res.headers.get("x-middleware-override-headers");
  if (names === null) return null;
  const headers = new Headers();
  for (const name of names.split(",").filter(Boolean)) {
    const value = res.headers.get(`x-middleware-request-${name}`);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

describe("client-sent internal headers", () => {
  it("are dropped when no route of the table matches", async () => {
    const headers = forwarded(await call("POST", "/outside-the-api/x"));
    expect(headers).not.toBeNull();
    expect(headers!.has("x-edge-kit-idempotency")).toBe(false);
    expect(headers!.has("x-edge-kit-cache-fill")).toBe(false);
    expect(headers!.get("x-other")).toBe("kept");
  });

  it("are dropped on a route whose gates set none of them (no idempotency policy, no cache policy)", async () => {
    const headers = forwarded(await call("POST", "/api/jobs"));
    expect(headers).not.toBeNull();
    expect(headers!.has("x-edge-kit-idempotency")).toBe(false);
    expect(headers!.get("x-edge-kit-cache-fill") ?? "").toBe(""); // the cache gate blanks it itself
    expect(headers!.get("x-other")).toBe("kept");
  });
});
