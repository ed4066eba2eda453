/**
 * Request fingerprints and hashed key parts, with `crypto.subtle` (edge-safe; `node:crypto` is not:
 * reference pitfall 9).
 *
 * The fingerprint binds a key to one request: method, route (its kit.config name and concrete
 * params), the query, the caller's identity scope and a SHA-256 of the exact body bytes. It is
 * computed once, before the handler runs, and stored with the claim (Powertools #5715: a
 * fingerprint recomputed from a mutated request cleans up the wrong record).
 *
 * The body is hashed byte for byte, not as re-serialised JSON: every HTTP retry resends the same
 * bytes, while canonicalising through `JSON.parse` would equate `{"n":9007199254740993}` with
 * `{"n":9007199254740992}` and replay one order's response for another (a false replay is worse
 * than a false 422, which the client fixes by using a new key).
 */
import { bytesToBase64Url } from "./base64";

export interface FingerprintInput {
  method: string;
  /** The kit.config route name (`orders.create`), so /api/… and /api/edge/… share records. */
  route: string;
  /** Path params of the matched route (`{ id: "42" }`). */
  params: Readonly<Record<string, string>>;
  /** The raw query string (`?a=1&b=2` or ""); parameters are compared order-insensitively. */
  search: string;
  /** Identity scope the record is stored under (`user:42`, `ip:203.0.113.7`). */
  scope: string;
  body: Uint8Array;
}

const encoder = new TextEncoder();

/** Unpadded base64url SHA-256 of `data` (a string is hashed as UTF-8): 43 characters. */
export async function sha256Base64Url(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return bytesToBase64Url(new Uint8Array(digest));
}

/** `sha256:<base64url>`: the algorithm stays visible in stored fingerprints. */
async function sha256(data: Uint8Array | string): Promise<string> {
  return `sha256:${await sha256Base64Url(data)}`;
}

/**
 * The request fingerprint: `sha256:<base64url>` over a length-unambiguous encoding of the inputs
 * (JSON of an array, so no separator inside a value can shift fields).
 */
export async function requestFingerprint(input: FingerprintInput): Promise<string> {
  const query = new URLSearchParams(input.search);
  query.sort();
  const params = Object.entries(input.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const bodyHash = await sha256(input.body);
  return sha256(JSON.stringify(["v1", input.method.toUpperCase(), input.route, params, query.toString(), input.scope, bodyHash]));
}
