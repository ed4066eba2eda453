/**
 * The request that fills a cache entry reaches the route without the client's validators.
 *
 * A client revalidating its own copy sends If-None-Match / If-Modified-Since. Forwarded as is to a
 * route that honours them (Hono's `etag()`, a hand-written check), the fill's answer is a 304 — not
 * storable, so the entry stays empty, and while every client is a returning browser it is never filled.
 * RFC 9111 §4.3.2 lets a cache that holds no stored response forward a request without the client's
 * conditions and answer them itself from the full response; the kit does: the lease holder's request
 * goes unconditional, the 200 is stored, and the client still gets its 304 where the runtime can see
 * the request that asked (Hono; on Next the route sees only what middleware forwarded: it gets the 200).
 *
 * Only these two validators, and only when the request carries no other precondition or range
 * (If-Match, If-Unmodified-Since, If-Range, Range): those change what the route must answer (412,
 * 206), so such a request is forwarded untouched, as before.
 */
import { isNotModified, notModifiedHeaders } from "./conditional-request";

const VALIDATORS = ["if-none-match", "if-modified-since"] as const;
const OTHER_CONDITIONS = ["if-match", "if-unmodified-since", "if-range", "range"] as const;
/** Every precondition and range field (RFC 9110 §13.1, §14.2): what a STALE revalidation drops. */
export const CONDITIONAL_HEADERS: readonly string[] = [...VALIDATORS, ...OTHER_CONDITIONS];

/** The validators to drop from `request` when it fills an entry; none when it carries another condition. */
export function fillValidators(request: Request): string[] {
  if (OTHER_CONDITIONS.some((name) => request.headers.has(name))) return [];
  return VALIDATORS.filter((name) => request.headers.has(name));
}

/** `request` without its validators (GET/HEAD: no body to carry over), or `request` itself when there are none to drop. */
export function unconditionalFill(request: Request): Request {
  const drop = fillValidators(request);
  if (drop.length === 0) return request;
  const headers = new Headers(request.headers);
  for (const name of drop) headers.delete(name);
  return new Request(request.url, { method: request.method, headers });
}

/** After the fill: the client's own validators answered from the full 200 (a 304 when they match), else `response`. */
export function answerValidators(request: Request, response: Response): Response {
  if (response.status !== 200 || fillValidators(request).length === 0 || !isNotModified(request, response.headers)) return response;
  void response.body?.cancel();
  return new Response(null, { status: 304, headers: notModifiedHeaders(response.headers) });
}
