/**
 * Requests the kit sends to itself — today the background revalidation of a STALE cache hit — signed
 * so the gates can tell them from client traffic without a Redis call.
 *
 * Why (issue 10 follow-up): a revalidation goes back through the gates. Unsigned, the rate limit
 * charged it to the client whose request happened to find the entry stale (a second unit for one
 * request) or, without a trusted proxy, to the one "unknown" bucket every revalidation shares, where
 * it could be refused and leave the entry stale until its lease lapsed. The fill ticket alone cannot
 * exempt it: the ticket is proven by the cache lookup, which rides the same Redis batch as the limiter,
 * so the limiter would have to run first anyway, and an unverified header must never skip it.
 *
 * The proof is an HMAC-SHA256 (RFC 2104, `crypto.subtle`: verification is constant-time) over the
 * method, path and query, the kit's own `x-edge-kit-*` headers (the fill ticket) and an expiry, keyed
 * with the Upstash REST token — the one secret every instance of a deployment already holds and never
 * sends to a client — so an instance verifies what another signed (Next's middleware dispatches
 * through the platform, which may route to another instance). In memory mode (no token) the key is
 * random per isolate: an in-process dispatch (Hono) verifies, a cross-instance one is rate-limited
 * as before. The origin is not signed: the platform may present the same URL with another host.
 */
import type { GateKit } from "../kit";
import { toHex } from "../hex";

export const INTERNAL_REQUEST_HEADER = "x-edge-kit-internal";
/** How long a signature is accepted: the dispatch is immediate; the margin covers a slow platform hop. */
export const INTERNAL_REQUEST_TTL_MS = 30_000;
const VERSION = "v1";

const keys = new WeakMap<GateKit, Promise<CryptoKey>>();
const encoder = new TextEncoder();

function keyOf(kit: GateKit): Promise<CryptoKey> {
  let key = keys.get(kit);
  if (!key) {
    const token = kit.config.redis?.token;
    const material = token ? encoder.encode(`edge-kit internal request\u0000${token}`) : crypto.getRandomValues(new Uint8Array(32));
    key = crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(kit, key);
  }
  return key;
}

/** Binds the method, path + query and every other `x-edge-kit-*` header (the fill ticket among them). */
function signedText(request: Request, expires: number): Uint8Array<ArrayBuffer> {
  const url = new URL(request.url);
  const parts = [VERSION, String(expires), request.method.toUpperCase(), `${url.pathname}${url.search}`];
  // Headers iterate sorted by lower-cased name (Fetch standard), so both sides list them in one order.
  request.headers.forEach((value, name) => {
    if (name.startsWith("x-edge-kit-") && name !== INTERNAL_REQUEST_HEADER) parts.push(name, value);
  });
  return encoder.encode(parts.join("\u0000"));
}

/** A copy of `request` carrying the kit's signature (`x-edge-kit-internal: v1.<expires ms>.<hex>`). */
export async function signInternalRequest(kit: GateKit, request: Request): Promise<Request> {
  const expires = kit.clock.now() + INTERNAL_REQUEST_TTL_MS;
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await keyOf(kit), signedText(request, expires)));
  const headers = new Headers(request.headers);
  headers.set(INTERNAL_REQUEST_HEADER, `${VERSION}.${expires}.${toHex(signature)}`);
  return new Request(request.url, { method: request.method, headers });
}

/**
 * True when `request` carries a signature of this deployment that has not expired and covers its
 * method, path, query and `x-edge-kit-*` headers. Costs nothing for a request without the header.
 */
export async function isInternalRequest(kit: GateKit, request: Request): Promise<boolean> {
  const value = request.headers.get(INTERNAL_REQUEST_HEADER);
  if (value === null) return false;
  const match = /^v1\.(\d{13,16})\.([0-9a-f]{64})$/.exec(value);
  if (!match) return false;
  const expires = Number(match[1]);
  const now = kit.clock.now();
  if (expires < now || expires > now + 2 * INTERNAL_REQUEST_TTL_MS) return false;
  const signature = new Uint8Array(32);
  for (let i = 0; i < 32; i++) signature[i] = parseInt(match[2]!.slice(2 * i, 2 * i + 2), 16);
  return crypto.subtle.verify("HMAC", await keyOf(kit), signature, signedText(request, expires));
}
