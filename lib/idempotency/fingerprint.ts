/**
 * Request fingerprints and hashed key parts, with `crypto.subtle` (edge-safe; `node:crypto` is not:
 * reference pitfall 9).
 *
 * The fingerprint binds a key to one request: method, route (its kit.config name and concrete
 * params), the path relative to the API base, the query, the caller's identity scope and a SHA-256
 * of the exact body bytes. It is
 * computed once, before the handler runs, and stored with the claim (Powertools #5715: a
 * fingerprint recomputed from a mutated request cleans up the wrong record).
 *
 * The path is there because the route name and params do not always say which resource was asked
 * for: a wildcard entry (`/admin/*`) captures no params, so `POST /admin/refunds` and `POST
 * /admin/payouts` with one key and body looked like the same request, and the payout was answered
 * with the refund's replay instead of the draft's 422 ("key reused with a different request",
 * draft-ietf-httpapi-idempotency-key-header-07 §2.7). Relative to the API base, so `/api/orders` and
 * `/api/edge/orders` still share records (one route, two mounts: README "Idempotency").
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
  /** The request path relative to the API base (`/admin/refunds`), see the module comment. */
  path: string;
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
  // v2: the path joined the inputs (a v1 record met by a v2 request is a mismatch: 422, never a replay).
  return sha256(JSON.stringify(["v2", input.method.toUpperCase(), input.route, params, input.path, query.toString(), input.scope, bodyHash]));
}
