/**
 * Encoding of caller-supplied key parts (ids, names, identities).
 *
 * Everything outside `[A-Za-z0-9._~-]` is percent-encoded from its UTF-8 bytes, `%` included, so:
 * - an encoded part never contains `:` → it cannot add a segment or forge another family's key;
 * - it never contains `*`, `?`, `[`, `]`, `\` → a SCAN/KEYS pattern built from it matches literally;
 * - it never contains `{`/`}` → no accidental cluster hash tags;
 * - the mapping is one-to-one (`a:b` → `a%3Ab`, `a%3Ab` → `a%253Ab`), so distinct inputs never share a key.
 * Strings are not Unicode-normalised: NFC and NFD spellings are different identifiers.
 */
import { KitError } from "../errors";

/** Longest encoded part accepted; longer inputs (URLs, JSON) should be hashed by the caller first. */
export const MAX_KEY_PART_BYTES = 512;

const SAFE_PART = /^[A-Za-z0-9._~-]+$/;
const SAFE_BYTE = /^[A-Za-z0-9._~-]$/;
// Lone surrogates would all become U+FFFD in UTF-8 and collide; a well-formed pair is not matched.
const LONE_SURROGATE = /\p{Cs}/u;
const encoder = new TextEncoder();

/**
 * Encode one caller-supplied key part.
 * @param what names the part in the error (`"lock(name)"`); the value itself is never put in errors,
 *   since identities are often IPs, user ids or idempotency keys.
 * @throws KitError `E_INVALID_KEY_PART` when empty, not well-formed UTF-16, or over 512 encoded bytes.
 */
export function encodeKeyPart(part: string, what = "key part"): string {
  if (typeof part !== "string" || part.length === 0) {
    throw invalidPart(what, "must be a non-empty string");
  }
  const encoded = SAFE_PART.test(part) ? part : percentEncode(part, what);
  if (encoded.length > MAX_KEY_PART_BYTES) {
    throw invalidPart(what, `is ${encoded.length} bytes once encoded (max ${MAX_KEY_PART_BYTES}); hash long values first`);
  }
  return encoded;
}

function percentEncode(part: string, what: string): string {
  if (LONE_SURROGATE.test(part)) throw invalidPart(what, "contains an unpaired UTF-16 surrogate");
  let out = "";
  for (const byte of encoder.encode(part)) {
    const char = String.fromCharCode(byte);
    out += SAFE_BYTE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function invalidPart(what: string, problem: string): KitError {
  return new KitError("E_INVALID_KEY_PART", `Invalid ${what}: ${problem}`, { context: { part: what } });
}
