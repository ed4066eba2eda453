/**
 * The kit's signature on requests it sends to itself (lib/gate/internal-request.ts): what it covers,
 * who can verify it, and how long it lasts. A client cannot produce one; another instance of the same
 * deployment (same Redis token) verifies it.
 */
import { describe, expect, it } from "vitest";
import { INTERNAL_REQUEST_HEADER, INTERNAL_REQUEST_TTL_MS, isInternalRequest, signInternalRequest } from "../../../lib/gate";
import { createTestKit } from "../../setup/kit";

const now = { t: Date.UTC(2026, 11, 5, 9, 0, 0) };
const clock = { now: () => now.t };
const kit = createTestKit({ deps: { clock } });
const url = "https://app.example/api/items/42?view=full";
const request = () => new Request(url, { headers: { "x-edge-kit-cache-fill": "ticket-1", "x-forwarded-for": "203.0.113.9" } });

/** The signed request with one thing changed. */
async function signedThen(change: (init: { url: string; method: string; headers: Headers }) => void): Promise<Request> {
  const signed = await signInternalRequest(kit, request());
  const init = { url: signed.url, method: signed.method, headers: new Headers(signed.headers) };
  change(init);
  return new Request(init.url, { method: init.method, headers: init.headers });
}

describe("a request the kit signed", () => {
  it("verifies on this instance and on another instance of the deployment (same Redis token)", async () => {
    const signed = await signInternalRequest(kit, request());
    expect(signed.headers.get(INTERNAL_REQUEST_HEADER)).toMatch(/^v1\.\d{13}\.[0-9a-f]{64}$/);
    expect(await isInternalRequest(kit, signed)).toBe(true);
    expect(await isInternalRequest(createTestKit({ deps: { clock } }), signed)).toBe(true);
  });

  it("keeps the client's headers (the cache key and identity depend on them)", async () => {
    const signed = await signInternalRequest(kit, request());
    expect(signed.headers.get("x-forwarded-for")).toBe("203.0.113.9");
    expect(signed.headers.get("x-edge-kit-cache-fill")).toBe("ticket-1");
  });

  it("also verifies under another origin: the platform may present the URL with another host", async () => {
    expect(await isInternalRequest(kit, await signedThen((r) => (r.url = r.url.replace("https://app.example", "http://127.0.0.1:3000"))))).toBe(true);
  });

  it("stops verifying once anything it covers changes: path, query, method, fill ticket, signature", async () => {
    const changes: Array<(r: { url: string; method: string; headers: Headers }) => void> = [
      (r) => (r.url = r.url.replace("/42", "/43")),
      (r) => (r.url = r.url.replace("view=full", "view=short")),
      (r) => (r.method = "DELETE"),
      (r) => r.headers.set("x-edge-kit-cache-fill", "ticket-2"),
      (r) => r.headers.delete("x-edge-kit-cache-fill"),
      (r) => r.headers.set("x-edge-kit-other", "added"),
      (r) => r.headers.set(INTERNAL_REQUEST_HEADER, r.headers.get(INTERNAL_REQUEST_HEADER)!.replace(/.$/, (c) => (c === "0" ? "1" : "0"))),
    ];
    for (const change of changes) expect(await isInternalRequest(kit, await signedThen(change))).toBe(false);
  });

  it("expires after INTERNAL_REQUEST_TTL_MS", async () => {
    const signed = await signInternalRequest(kit, request());
    now.t += INTERNAL_REQUEST_TTL_MS;
    expect(await isInternalRequest(kit, signed)).toBe(true);
    now.t += 1;
    expect(await isInternalRequest(kit, signed)).toBe(false);
  });
});

describe("what a client can send", () => {
  it("no header, a malformed one, or one signed by another deployment (another Redis token): not internal", async () => {
    expect(await isInternalRequest(kit, request())).toBe(false);
    for (const forged of ["v1", "v1.1.abc", `v2.${now.t + 1000}.${"0".repeat(64)}`, `v1.${now.t + 1000}.${"0".repeat(64)}`, `v1.${now.t + 1000}.${"G".repeat(64)}`]) {
      const r = request();
      r.headers.set(INTERNAL_REQUEST_HEADER, forged);
      expect(await isInternalRequest(kit, r)).toBe(false);
    }
    const otherDeployment = createTestKit({ deps: { clock }, env: { UPSTASH_REDIS_REST_TOKEN: "another-deployments-token-0123456789" } });
    expect(await isInternalRequest(kit, await signInternalRequest(otherDeployment, request()))).toBe(false);
  });

  it("a signature valid far into the future is refused (at most two TTLs ahead of this clock)", async () => {
    const later = createTestKit({ deps: { clock: { now: () => now.t + 3 * INTERNAL_REQUEST_TTL_MS } } });
    expect(await isInternalRequest(kit, await signInternalRequest(later, request()))).toBe(false);
  });
});
