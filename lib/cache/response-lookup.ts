/**
 * The gate's HIT / STALE / MISS decision for an HTTP response, in ONE Redis command (issue 10):
 * `fill.begin` reads the entry and, unless it is a fresh hit, takes the fill lease in the same script.
 *
 * Two phases, so lib/gate can batch it with the rate limit: `issueResponseLookup` sends the script
 * synchronously; `decide` turns the reply into the answer (and only then starts the background
 * revalidation of a STALE hit); `discard` gives the lease back when an earlier gate refused the request.
 */
import { deferIncrements } from "../gate/deferred-counts";
import { signInternalRequest } from "../gate/internal-request";
import type { GateKit } from "../kit";
import { CONDITIONAL_HEADERS } from "./fill-request";
import { CACHE_FILL_HEADER, type ResponseCacheDecision, type ResponseCacheTarget } from "./http-cache";
import { replaySnapshot } from "./response-snapshot";
import type { FillBegin } from "./types";

export interface LookupResponseOptions {
  waitUntil: (promise: Promise<unknown>) => void;
  /**
   * Sends the background revalidation request for a STALE hit (the same URL with a fill ticket).
   * Next: `fetch` (the platform routes it back through middleware to the route). Hono: `app.fetch`.
   * Absent (Next self-hosted without APP_ORIGIN: lib/cache/gate.ts): STALE is served unrevalidated.
   */
  dispatch: ((request: Request) => Promise<Response>) | undefined;
}

/** A lookup whose Redis command has been answered. */
export interface IssuedResponseLookup {
  /** The decision; HIT/STALE answer from the cache, MISS continues (with a fill ticket when this request won the lease). */
  decide(options: LookupResponseOptions): Promise<ResponseCacheDecision>;
  /** The request will not reach the route (an earlier gate refused): release the lease this lookup took, if any. */
  discard(): Promise<void>;
}

/**
 * Sends the lookup now (before any await: callers issue other gates' calls in the same tick) and
 * resolves once Redis answered. A request carrying our own fill ticket (a revalidation) proves itself
 * by holding the lease, and goes to the route.
 */
export async function issueResponseLookup(kit: GateKit, request: Request, target: ResponseCacheTarget): Promise<IssuedResponseLookup> {
  const cache = kit.cache.withNamespace(target.namespace, target.policy);
  // A HEAD answer has no body to store (storability: GET only), so a HEAD only reads (`lease: false`):
  // holding the fill lease it would make concurrent GETs of the URL wait for a fill that never comes.
  // A STALE hit is then served without revalidating (the next GET does that).
  const found = await cache.fill.begin(
    target.key,
    isHead(request) ? { tags: target.tags, lease: false } : { tags: target.tags, proof: request.headers.get(CACHE_FILL_HEADER) },
  );
  const held = found.lease?.won && found.lease.ticket !== "" ? found.lease.ticket : undefined;
  return {
    decide: (options) => decideLookup(kit, request, target, found, options),
    discard: async () => {
      if (held && !found.proven) await cache.fill.release(target.key, held);
    },
  };
}

/** Issue and decide in one call (the Hono `cache()` middleware, and anything not batching). */
export async function lookupResponse(kit: GateKit, request: Request, target: ResponseCacheTarget, options: LookupResponseOptions): Promise<ResponseCacheDecision> {
  return (await issueResponseLookup(kit, request, target)).decide(options);
}

async function decideLookup(
  kit: GateKit,
  request: Request,
  target: ResponseCacheTarget,
  found: FillBegin<unknown>,
  options: LookupResponseOptions,
  /** `found` is a poll of waitForFill: already counted, and never waited on again. */
  waited = false,
): Promise<ResponseCacheDecision> {
  if (found.proven) return { action: "continue", status: "MISS", ticket: found.lease!.ticket };
  // Counted only when served (a request refused by an earlier gate never reads the cache), in the
  // isolate, flushed with a later round trip: the lookup itself writes nothing on a hit.
  if (found.backend === "redis" && !waited) deferIncrements(kit, kit.keys.cacheStats(), { [found.status]: 1 });
  if (found.status === "hit" || found.status === "stale") {
    const ticket = found.lease?.won ? found.lease.ticket : "";
    const status = found.status === "hit" ? "HIT" : "STALE";
    const response = replaySnapshot(found.value, { request, cacheStatus: status, createdAt: found.createdAt, now: kit.clock.now(), degraded: found.degraded });
    if (!response) return malformed(kit, request, target, ticket);
    if (found.status === "stale" && ticket !== "") {
      const dispatch = options.dispatch;
      // Never rejects: a failed revalidation keeps the stale entry (and says so in the log).
      const refreshing = dispatch
        ? revalidate(kit, request, target, ticket, dispatch).catch((err: unknown) => {
            console.warn(`[edge-kit] cache revalidation of ${new URL(request.url).pathname} failed (stale entry kept):`, err);
          })
        : unrevalidated(kit, target, ticket);
      options.waitUntil(refreshing);
    }
    return { action: "respond", status, response };
  }
  if (found.lease?.won) return { action: "continue", status: "MISS", ticket: found.lease.ticket, ...(found.degraded ? { degraded: found.degraded } : {}) };

  // A HEAD neither fills nor waits for a filler: it goes to the route (see issueResponseLookup). Nor
  // does anyone while a pass marker holds the lease: the last fill was not storable (CacheFill.pass),
  // so waiting for a filler would only serve the URL one request at a time.
  if (waited || isHead(request) || found.lease?.pass) return { action: "continue", status: "MISS", ...(found.degraded ? { degraded: found.degraded } : {}) };

  // Another request is filling this entry: wait for it rather than hit the origin too. What the wait
  // ends with — the winner's entry, or the lease it gave back unfilled — is decided like a lookup.
  const polled = await waitForFill(kit, target);
  return polled ? decideLookup(kit, request, target, polled, options, true) : { action: "continue", status: "MISS" };
}

/**
 * The stored value is not a response snapshot: a MISS, so the route runs and — with the fill lease,
 * taken now unless the lookup already holds it — overwrites the entry. Visible in the log and in
 * `x-cache-degraded: corrupt-entry`, never a 500 until the entry expires.
 */
async function malformed(kit: GateKit, request: Request, target: ResponseCacheTarget, held: string): Promise<ResponseCacheDecision> {
  console.warn(`[edge-kit] cache entry for ${new URL(request.url).pathname} (${target.namespace}) is malformed; treated as a MISS and overwritten`);
  let ticket = held;
  if (ticket === "" && !isHead(request)) {
    const lease = await kit.cache.withNamespace(target.namespace, target.policy).fill.acquire(target.key, { tags: target.tags });
    ticket = lease.won ? lease.ticket : "";
  }
  return { action: "continue", status: "MISS", ...(ticket !== "" ? { ticket } : {}), degraded: "corrupt-entry" };
}

/**
 * Polls (within the lease's 3 s wait) until the entry is there or the lease is free. Each poll is a
 * `fill.begin` — the read and, unless it hits, the lease in one script — so when the winner gave the
 * lease back without storing (its route failed or answered something not storable), the first poll
 * after that takes it and this request fills the entry, instead of every waiter polling out the 3 s and
 * then loading unstored. Undefined when the wait ran out (the winner still loading).
 */
async function waitForFill(kit: GateKit, target: ResponseCacheTarget): Promise<FillBegin<unknown> | undefined> {
  const cache = kit.cache.withNamespace(target.namespace, target.policy);
  const deadline = kit.clock.now() + 3000;
  for (const delay of [25, 50, 100, 150, 200, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250]) {
    if (kit.clock.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, delay));
    const polled = await cache.fill.begin(target.key, { tags: target.tags });
    // Degraded, the memory store "grants" every lease: that ends the wait too (load without coordination).
    if (polled.status !== "miss" || polled.lease?.won || polled.lease?.pass) return polled;
  }
  return undefined;
}

let warnedUnrevalidated = false;

/** No dispatch: the lease the lookup took goes back, and the STALE entry is served until it expires (said once). */
async function unrevalidated(kit: GateKit, target: ResponseCacheTarget, ticket: string): Promise<void> {
  if (!warnedUnrevalidated) {
    console.warn(
      "[edge-kit] STALE cache entries are not revalidated in the background: on Next set APP_ORIGIN (a self-hosted production " +
        "next start builds request URLs from the client's Host header); on Hono give gates() a dispatch, e.g. (r) => Promise.resolve(app.fetch(r))",
    );
  }
  warnedUnrevalidated = true;
  await kit.cache.withNamespace(target.namespace, target.policy).fill.release(target.key, ticket).catch(() => undefined);
}

/**
 * Sends the revalidation with the lease the lookup took; the route stores the response and releases it.
 * Without the client's preconditions and range (RFC 9110 §13.1, §14.2): carrying them, it could be
 * answered 304 or 206 by a route that honours them, neither of which is stored — and the entry would
 * stay STALE, revalidated again on every request until it expired. The refresh asks for the full 200.
 */
async function revalidate(kit: GateKit, request: Request, target: ResponseCacheTarget, ticket: string, dispatch: (request: Request) => Promise<Response>): Promise<void> {
  const headers = new Headers(request.headers);
  for (const name of CONDITIONAL_HEADERS) headers.delete(name);
  headers.set(CACHE_FILL_HEADER, ticket);
  let response: Response;
  try {
    // Signed: the gates let it through without charging anyone's rate limit (lib/gate/internal-request.ts).
    response = await dispatch(await signInternalRequest(kit, new Request(request.url, { method: "GET", headers })));
  } catch (err) {
    // Nobody will store: free the lease now rather than make the next STALE reader wait for it to lapse.
    await kit.cache.withNamespace(target.namespace, target.policy).fill.release(target.key, ticket);
    throw err;
  }
  // The route stores it (and releases the lease); drain the body so the connection is reused.
  await response.arrayBuffer();
}

function isHead(request: Request): boolean {
  return request.method.toUpperCase() === "HEAD";
}
