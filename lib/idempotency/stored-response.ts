/**
 * Snapshot of a handler's Response for replay, and the Response rebuilt from it.
 *
 * Stored: the status, the allow-listed headers and the exact body bytes (UTF-8 text as is, anything
 * else base64), so a replay is byte-identical to the original. Never stored: set-cookie and
 * hop-by-hop headers (reference pitfall 7), nor headers describing the current request (RateLimit
 * fields are added fresh to a replay by the rate-limit gate).
 *
 * The envelope is a JSON object: with the client's automatic deserialization it comes back as the
 * same object, and without it as its text; {@link decodeStoredResponse} accepts both.
 */
import { base64ToBytes, bytesToBase64 } from "./base64";
import { readAtMost } from "./read-at-most";

export const STORED_RESPONSE_VERSION = 1;

/** The stored form (short field names: it is written once per request and read on every replay). */
export interface StoredResponse {
  v: typeof STORED_RESPONSE_VERSION;
  /** Status code of the original response. */
  s: number;
  /** Allow-listed headers, lower-case names, in the original order. */
  h: [string, string][];
  /** Body as UTF-8 text… */
  t?: string;
  /** …or as base64 when it is not valid UTF-8. Neither: an empty body. */
  b?: string;
  /** Set when the body exceeded the cap and was not stored: its size and the cap. */
  omitted?: { bytes: number; limit: number };
}

export interface SnapshotOptions {
  replayHeaders: readonly string[];
  maxResponseBytes: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/**
 * Reads `response`'s body (from a clone: the original stays unread for the caller) and snapshots it.
 * Stops reading past `maxResponseBytes` and records the response as `omitted` instead.
 */
export async function snapshotResponse(response: Response, options: SnapshotOptions): Promise<StoredResponse> {
  const allowed = new Set(options.replayHeaders);
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (allowed.has(name)) headers.push([name, value]);
  });
  const base = { v: STORED_RESPONSE_VERSION, s: response.status, h: headers } as const;
  const read = await readAtMost(response.clone().body, options.maxResponseBytes);
  if (read.truncated) return { ...base, omitted: { bytes: read.bytes, limit: options.maxResponseBytes } };
  if (read.body.length === 0) return { ...base };
  try {
    return { ...base, t: strictUtf8.decode(read.body) };
  } catch {
    // Not UTF-8 (an image, a gzip body): base64 keeps the bytes exact.
    return { ...base, b: bytesToBase64(read.body) };
  }
}

/** The Response a replay answers with; `extra` headers (the replay marker) are added last. */
export function restoreResponse(stored: StoredResponse, extra: HeadersInit = {}): Response {
  const headers = new Headers(stored.h);
  new Headers(extra).forEach((value, name) => headers.set(name, value));
  // Text goes back as bytes: a string body would make the Response constructor add
  // `content-type: text/plain;charset=UTF-8`, a header the original (a bytes or stream body) did not have.
  const body = stored.t !== undefined ? utf8.encode(stored.t) : stored.b !== undefined ? base64ToBytes(stored.b) : null;
  // 204/205/304 must not carry a body (the Response constructor throws on one).
  const nullBody = stored.s === 204 || stored.s === 205 || stored.s === 304;
  return new Response(nullBody ? null : (body as BodyInit | null), { status: stored.s, headers });
}

/** Parses a stored envelope (object or JSON text); `undefined` when it is not one (corrupt record). */
export function decodeStoredResponse(raw: unknown): StoredResponse | undefined {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<StoredResponse>;
  const validHeaders = Array.isArray(r.h) && r.h.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === "string"));
  if (r.v !== STORED_RESPONSE_VERSION || typeof r.s !== "number" || !validHeaders) return undefined;
  if (r.t !== undefined && typeof r.t !== "string") return undefined;
  if (r.b !== undefined && typeof r.b !== "string") return undefined;
  return r as StoredResponse;
}
