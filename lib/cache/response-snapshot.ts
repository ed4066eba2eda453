/**
 * A stored HTTP response and its replay. What comes back from the cache is checked before it is
 * trusted: an entry written by another version of the kit, by hand or half-corrupted must not make
 * `new Response(...)` throw — a 500 on every request for that URL until the entry expires. Checked by
 * hand rather than with zod, which the middleware's edge bundle deliberately leaves out.
 */
import { base64ToBytes } from "./codec";
import { isNotModified, notModifiedHeaders } from "./conditional-request";
import { CACHE_DEGRADED_HEADER, CACHE_STATUS_HEADER } from "./http-cache";

/** What is stored for a response (through the codec: the body stays exact bytes). */
export interface ResponseSnapshot {
  status: number;
  headers: [string, string][];
  /** The body's bytes, base64. */
  body: string;
}

export interface ReplayOptions {
  /** The client's request: its If-None-Match / If-Modified-Since may turn the answer into a 304. */
  request: Request;
  /** The `x-cache` value. */
  cacheStatus: "HIT" | "STALE";
  /** When the entry was written (epoch ms), for `Age`. */
  createdAt: number | undefined;
  now: number;
  /** `x-cache-degraded`, when the memory fallback answered. */
  degraded: string | undefined;
}

/** A token (RFC 9110 §5.6.2): what a field name is made of. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value the Headers API accepts: no CR, LF or NUL (RFC 9110 §5.5). */
const FIELD_VALUE = /^[^\r\n\0]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Statuses whose responses have no content (RFC 9110 §15.3.5, §15.3.6, §15.4.5): never stored with one. */
const NULL_BODY = new Set([204, 205, 304]);

/** `value` if it has the shape storeResponse writes, else undefined. */
export function asSnapshot(value: unknown): ResponseSnapshot | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { status, headers, body } = value as Record<string, unknown>;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599 || NULL_BODY.has(status)) return undefined;
  if (typeof body !== "string" || !BASE64.test(body)) return undefined;
  if (!Array.isArray(headers)) return undefined;
  for (const pair of headers) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [name, text] = pair as unknown[];
    if (typeof name !== "string" || typeof text !== "string" || !FIELD_NAME.test(name) || !FIELD_VALUE.test(text)) return undefined;
  }
  return { status, headers: headers as [string, string][], body };
}

/**
 * The response for a cached entry — a 304 when the client's validators match (RFC 9111 §4.3.2) —
 * or undefined when the stored value is not a snapshot the runtime can rebuild.
 */
export function replaySnapshot(value: unknown, options: ReplayOptions): Response | undefined {
  const snapshot = asSnapshot(value);
  if (!snapshot) return undefined;
  let stored: Headers;
  let body: Uint8Array<ArrayBuffer>;
  try {
    stored = new Headers(snapshot.headers);
    body = base64ToBytes(snapshot.body);
  } catch {
    return undefined;
  }
  const notModified = isNotModified(options.request, stored);
  const headers = notModified ? notModifiedHeaders(stored) : stored;
  headers.set(CACHE_STATUS_HEADER, options.cacheStatus);
  if (options.createdAt !== undefined) headers.set("age", String(Math.max(0, Math.floor((options.now - options.createdAt) / 1000))));
  if (options.degraded) headers.set(CACHE_DEGRADED_HEADER, options.degraded);
  if (notModified) return new Response(null, { status: 304, headers });
  // A HEAD is answered from the stored GET without its content (RFC 9110 §9.3.2).
  return new Response(options.request.method.toUpperCase() === "HEAD" ? null : body, { status: snapshot.status, headers });
}
