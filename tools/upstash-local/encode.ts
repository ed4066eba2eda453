/**
 * RESP2 reply (as ioredis hands it over with `replyEncoding: null` and `stringNumbers: true`) -> JSON text.
 *
 * What ioredis gives us (spec §5 mapping table):
 * - Buffer  : every bulk string and simple status, at every depth (binary-safe raw bytes);
 * - string  : an integer reply (stringNumbers keeps the exact digits, so 2^53+1 is not rounded);
 * - null    : nil bulk / nil array;
 * - Array   : multi-bulk, recursed;
 * - Error   : a ReplyError nested inside an array (EXEC entry, Lua `redis.error_reply` in a table).
 *
 * The JSON is written by hand: base64 text never needs escaping and integer digits are copied
 * verbatim, which is both exact (§5 big integers) and cheaper than building objects for JSON.stringify.
 */

/** Raised when an error is found nested inside a reply; the caller fails that command with it (§5). */
export class NestedReplyError extends Error {
  constructor(readonly replyMessage: string) {
    super(replyMessage);
    this.name = "NestedReplyError";
  }
}

const OK_BYTES = Buffer.from("OK");
const NULL_JSON = "null";

export function isReplyError(value: unknown): value is Error {
  return value instanceof Error && value.name === "ReplyError";
}

function encodeString(buf: Buffer, base64: boolean): string {
  // Base64 alphabet and padding are JSON-safe: no escaping needed.
  if (base64) return `"${buf.toString("base64")}"`;
  // Invalid UTF-8 becomes U+FFFD, as Upstash does without the encoding header (§5).
  return JSON.stringify(buf.toString("utf8"));
}

/** Encodes a value below the top level: every string is encoded, no "OK" exemption (§5 pitfall). */
export function encodeNested(value: unknown, base64: boolean): string {
  if (value === null || value === undefined) return NULL_JSON;
  if (Buffer.isBuffer(value)) return encodeString(value, base64);
  if (typeof value === "string") return value; // integer digits (stringNumbers)
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : NULL_JSON;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += encodeNested(value[i], base64);
    }
    return out + "]";
  }
  if (value instanceof Error) throw new NestedReplyError(value.message);
  // Not produced by RESP2; keep the JSON valid rather than crash.
  return JSON.stringify(String(value));
}

/**
 * Encodes a top-level `result`. A status reply whose bytes are exactly "OK" is sent as "OK": the
 * client's decode() exempts it at the top level only (§5), and clients expect to see it verbatim.
 */
export function encodeResult(value: unknown, base64: boolean): string {
  if (base64 && Buffer.isBuffer(value) && value.length === 2 && value.equals(OK_BYTES)) return '"OK"';
  return encodeNested(value, base64);
}

export function errorEntry(message: string): string {
  return `{"error":${JSON.stringify(message)}}`;
}

/** One `{"result":…}` envelope, or `{"error":…}` when the reply hides a nested error (§5 last row). */
export function resultEntry(value: unknown, base64: boolean): { json: string; failed: boolean } {
  try {
    return { json: `{"result":${encodeResult(value, base64)}}`, failed: false };
  } catch (err) {
    if (err instanceof NestedReplyError) return { json: errorEntry(err.replyMessage), failed: true };
    throw err;
  }
}
