/**
 * The HTTP response cache shared by middleware.ts (gate.ts), the Next route-side helper
 * (route-store.ts) and the Hono `cache()` middleware: what the key is, how a response is
 * stored and replayed, and the HIT / STALE / MISS decision.
 *
 * Only GET 200 responses are stored, and only when the response itself allows it (Set-Cookie,
 * Cache-Control and Vary: response-storability.ts). Only allow-listed headers are replayed.
 */
import type { Kit } from "../kit";
import type { MatchedRoute, RoutePolicy } from "../policy";
import { bytesToBase64 } from "./codec";
import { CacheValueTooLargeError } from "./errors";
import type { RouteCachePolicy } from "./route-policy";
import { toHex } from "../hex";
import { memoizeRecent } from "../lru-memo";
import type { ResponseSnapshot } from "./response-snapshot";
import { storability } from "./response-storability";

/** Request header carrying a fill ticket from the gate to the route (and on background revalidations). */
export const CACHE_FILL_HEADER = "x-edge-kit-cache-fill";
/** Response header: HIT | STALE | MISS | BYPASS. */
export const CACHE_STATUS_HEADER = "x-cache";
/** Response header present when the cache answered from this instance's memory (Redis degraded). */
export const CACHE_DEGRADED_HEADER = "x-cache-degraded";
/** Response header on a MISS the response's own fields kept out of the cache: `vary=*`, `cache-control=no-store`… */
export const CACHE_NOT_STORED_HEADER = "x-cache-not-stored";

const DEFAULT_HEADERS = ["content-type", "content-language", "content-encoding", "etag", "last-modified", "cache-control", "link", "vary"];
const DEFAULT_MAX_BODY_BYTES = 512 * 1024;
/**
 * How long a fill whose answer could not be stored (an error status, Set-Cookie, no-store, too large…)
 * leaves a pass marker on the lease (CacheFill.pass): meanwhile every request of that URL goes to the
 * route at once instead of waiting for a fill that will not come. Short, so an origin that recovers is
 * cached again within seconds; after it, one request takes the lease and tries again.
 */
export const UNSTORABLE_PASS_MS = 5_000;
/**
 * Answers to the filling request's own range or preconditions (RFC 9110 §14.2, §13.1): not stored, but
 * they say nothing about what the URL answers other requests, so the lease is freed, not passed — a
 * pass marker would send everyone to the route, and a client repeating a Range kept the URL uncached.
 */
const CONDITIONAL_ANSWERS = new Set([206, 304, 412, 416]);
const CACHEABLE_METHODS = new Set(["GET", "HEAD"]);

/** Where one request's response lives in the cache. */
export interface ResponseCacheTarget {
  /** Cache namespace of the route: `http:{route name}`. */
  namespace: string;
  /** SHA-256 of everything the response varies on. */
  key: string;
  tags: readonly string[];
  policy: RouteCachePolicy;
  /** False when the entry belongs to one set of credentials (per-user). */
  shared: boolean;
}

export type { ResponseSnapshot } from "./response-snapshot";

export type ResponseCacheDecision =
  | { action: "respond"; response: Response; status: "HIT" | "STALE" }
  | { action: "continue"; status: "MISS" | "BYPASS"; ticket?: string; degraded?: string };

/** The route's cache policy if it has one and the method is cacheable. */
export function routeCachePolicy(route: MatchedRoute<RoutePolicy> | null, method: string): RouteCachePolicy | undefined {
  const policy = route?.policy.cache;
  return policy && CACHEABLE_METHODS.has(method.toUpperCase()) ? policy : undefined;
}

/**
 * The cache key of `request`: route name, path, query (sorted by name; repeated names keep their
 * order), the `vary` headers and — for credentialed requests under `per-user` — the credentials.
 * Returns `null` for a credentialed request under `bypass`. Hashed, so secrets never appear in keys.
 */
export async function responseCacheTarget(request: Request, route: MatchedRoute<RoutePolicy>, policy: RouteCachePolicy): Promise<ResponseCacheTarget | null> {
  const url = new URL(request.url);
  url.searchParams.sort();
  const authorization = request.headers.get("authorization");
  const cookie = request.headers.get("cookie");
  const credentialed = authorization !== null || cookie !== null;
  const mode = policy.authenticated ?? "per-user";
  if (credentialed && mode === "bypass") return null;
  const scope = credentialed && mode === "per-user" ? ["user", authorization ?? "", cookie ?? ""] : ["shared"];
  const varied = (policy.vary ?? []).map((name) => [name.toLowerCase(), request.headers.get(name) ?? ""]);
  const material = JSON.stringify([url.pathname, url.searchParams.toString(), varied, scope]);
  return {
    namespace: `http:${route.name}`,
    // Shared entries only: a per-user key's material holds credentials, which are never kept in memory.
    key: scope[0] === "shared" ? await memoSha256Hex(material) : await sha256Hex(material),
    tags: policy.tags?.(route.params) ?? [],
    policy,
    shared: scope[0] === "shared",
  };
}

/** Why a response was not stored (or `stored`). */
export type StoreOutcome = "stored" | "not-cacheable" | "too-large" | "outdated" | "degraded" | "no-lease";

/**
 * Stores `response` for `target` if it is cacheable and releases the fill lease — or, when it cannot be
 * stored, leaves a pass marker on it for UNSTORABLE_PASS_MS (concurrent requests then skip the wait). Returns
 * a response equivalent to `response` (its body was read) and what happened. `ticket` "" (what a
 * degraded lookup hands out) counts as none: served, never stored.
 */
export async function storeResponse(kit: Kit, target: ResponseCacheTarget, response: Response, given: string | null, method: string): Promise<{ response: Response; outcome: StoreOutcome }> {
  const ticket = given || null;
  const cache = kit.cache.withNamespace(target.namespace, target.policy);
  const verdict = storability(response, target.policy, target.shared, method);
  if (!verdict.storable) {
    if (ticket) await (CONDITIONAL_ANSWERS.has(response.status) ? cache.fill.release(target.key, ticket) : cache.fill.pass(target.key, ticket, UNSTORABLE_PASS_MS));
    return { response: verdict.reason ? withHeader(response, CACHE_NOT_STORED_HEADER, verdict.reason) : response, outcome: "not-cacheable" };
  }
  // No fill lease (a loser whose wait for the winner ran out, or a degraded lookup): its body may
  // predate an invalidation that happened while it loaded, and without a ticket there are no captured
  // version tokens to prove otherwise — so it is served but not stored (the lease holder stores).
  if (ticket === null) return { response, outcome: "no-lease" };
  let read: Awaited<ReturnType<typeof readCapped>>;
  try {
    read = await readCapped(response, target.policy.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (err) {
    // The body failed mid-stream: nothing will be stored, so readers must not wait out the lease.
    await cache.fill.pass(target.key, ticket, UNSTORABLE_PASS_MS);
    throw err;
  }
  if ("overflow" in read) {
    await cache.fill.pass(target.key, ticket, UNSTORABLE_PASS_MS);
    return { response: read.overflow, outcome: "too-large" };
  }
  const { body } = read;
  const rebuilt = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  const allowed = new Set([...DEFAULT_HEADERS, ...(target.policy.headers ?? []).map((h) => h.toLowerCase())]);
  const snapshot: ResponseSnapshot = {
    status: response.status,
    headers: [...response.headers].filter(([name]) => allowed.has(name.toLowerCase()) && !verdict.omit.has(name.toLowerCase())),
    body: bytesToBase64(body),
  };
  let result: Awaited<ReturnType<typeof cache.fill.complete>>;
  try {
    result = await cache.fill.complete(target.key, snapshot, { ticket, tags: target.tags });
  } catch (err) {
    // The encoded snapshot (base64 body, headers, envelope) can exceed the cache's maxValueBytes while
    // the body is within maxBodyBytes: complete() already gave the lease back; serve it unstored, as
    // for a body over maxBodyBytes, rather than turn a good response into a 500.
    if (err instanceof CacheValueTooLargeError) return { response: rebuilt, outcome: "too-large" };
    throw err;
  }
  const outcome: StoreOutcome = result.written === 0 ? "outdated" : result.backend === "memory" ? "degraded" : "stored";
  return { response: rebuilt, outcome };
}

/**
 * The body's bytes when it ends within `max`; past that, `overflow`: the response again, streaming what
 * was read and then the rest. Never more than `max` (+ one chunk) in memory: a large download or an
 * endless stream on a cached route reaches its client instead of being buffered whole first.
 */
async function readCapped(response: Response, max: number): Promise<{ body: Uint8Array<ArrayBuffer> } | { overflow: Response }> {
  if (response.body === null) return { body: new Uint8Array(0) };
  if (Number(response.headers.get("content-length")) > max) return { overflow: response };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value);
    size += next.value.byteLength;
    if (size > max) {
      const rest = new ReadableStream<Uint8Array>({
        start: (controller) => chunks.forEach((chunk) => controller.enqueue(chunk)),
        pull: async (controller) => {
          const more = await reader.read();
          if (more.done) controller.close();
          else controller.enqueue(more.value);
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return { overflow: new Response(rest, { status: response.status, statusText: response.statusText, headers: response.headers }) };
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body };
}

/** `response` with one more header (a copy: a fetched Response's headers are immutable). */
function withHeader(response: Response, name: string, value: string): Response {
  const headers = new Headers(response.headers);
  headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Recent shared-entry keys (issue 10): hot URLs skip the asynchronous digest. */
const memoSha256Hex = memoizeRecent(sha256Hex, 5_000);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}
