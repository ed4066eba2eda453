/**
 * Parsing of the `Idempotency-Key` request header.
 *
 * The IETF draft (draft-ietf-httpapi-idempotency-key-header-07 §2) defines the field as an RFC 8941
 * Item Structured Header whose value MUST be an sf-string: `Idempotency-Key: "8e03978e-…"`. Most
 * clients in the wild (Stripe's SDKs, curl examples) send the bare value instead, so the default
 * `syntax: "lenient"` accepts both; `"strict"` accepts only the draft's form.
 *
 * The draft's security section warns that low-entropy keys let an attacker fetch other clients'
 * cached responses, so a minimum length is enforced too (Brandur Leach's design rejects keys under
 * 20 characters; a UUID is 36, a ULID 26, a nanoid 21).
 */

/** Why a key was rejected; each maps to a 400 problem with a precise message. */
export type IdempotencyKeyProblem =
  | "missing"
  | "multiple"
  | "malformed"
  | "too-short"
  | "too-long"
  | "invalid-characters";

export type ParsedIdempotencyKey =
  | { ok: true; key: string; /** Whether it came as a draft-conformant sf-string. */ quoted: boolean }
  | { ok: false; problem: IdempotencyKeyProblem; detail: string };

export interface IdempotencyKeyRules {
  /** @default 16 */
  minLength?: number;
  /** Stripe's limit. @default 255 */
  maxLength?: number;
  /**
   * `"lenient"`: an sf-string (`"abc…"`) or a bare value (`abc…`); `"strict"`: sf-string only.
   * @default "lenient"
   */
  syntax?: "lenient" | "strict";
}

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const DEFAULT_IDEMPOTENCY_KEY_RULES: Required<IdempotencyKeyRules> = Object.freeze({
  minLength: 16,
  maxLength: 255,
  syntax: "lenient",
});

// RFC 8941 §3.3.3: chr = unescaped (%x20-21 / %x23-5B / %x5D-7E) / "\" ( DQUOTE / "\" ).
const SF_STRING = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"/;
// RFC 8941 §3.1.2 parameters after the item: `;key` or `;key=bare-item`. Parsed so a valid
// structured field is never rejected; the parameters themselves carry no meaning here.
const SF_PARAMETERS =
  /^(?:;[ ]*[a-z*][a-z0-9_\-.*]*(?:=(?:-?\d{1,15}(?:\.\d{1,3})?|"(?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*"|[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*|:[A-Za-z0-9+/=]*:|\?[01]))?)*$/;
// The key itself: visible ASCII, no whitespace. A bare value may also not contain the characters
// that would make it ambiguous as a structured field (`"`, `,`, `;`, `\`).
const KEY_CHARACTERS = /^[\x21-\x7E]+$/;
const BARE_KEY = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

/**
 * Parses the raw header value (`headers.get("idempotency-key")`, where several fields arrive joined
 * by `", "`). Never throws.
 *
 * @example
 * parseIdempotencyKey(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`) // { ok: true, key: "8e03978e-…", quoted: true }
 * parseIdempotencyKey("short") // { ok: false, problem: "too-short", … }
 */
export function parseIdempotencyKey(raw: string | null | undefined, rules: IdempotencyKeyRules = {}): ParsedIdempotencyKey {
  const { minLength, maxLength, syntax } = { ...DEFAULT_IDEMPOTENCY_KEY_RULES, ...rules };
  // RFC 8941 §4.2: leading and trailing spaces are discarded before parsing.
  const value = (raw ?? "").replace(/^[ \t]+|[ \t]+$/g, "");
  if (value === "") return fail("missing", "The Idempotency-Key header is required for this request.");

  let key: string;
  let quoted: boolean;
  if (value.startsWith('"')) {
    const match = SF_STRING.exec(value);
    if (!match) return fail("malformed", 'Idempotency-Key is not a valid structured-field string: expected "<key>" (RFC 8941 §3.3.3).');
    const rest = value.slice(match[0].length);
    if (/^[ \t]*,/.test(rest)) return fail("multiple", "Send exactly one Idempotency-Key field.");
    if (!SF_PARAMETERS.test(rest)) return fail("malformed", "Idempotency-Key has unexpected content after the quoted string.");
    key = match[1]!.replace(/\\(["\\])/g, "$1");
    quoted = true;
  } else {
    if (syntax === "strict") {
      return fail("malformed", 'Idempotency-Key must be a quoted structured-field string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324".');
    }
    if (/,/.test(value)) return fail("multiple", "Send exactly one Idempotency-Key field.");
    if (!BARE_KEY.test(value)) {
      return fail("invalid-characters", 'Idempotency-Key may only contain visible ASCII characters (no spaces, quotes, ";" or "\\").');
    }
    key = value;
    quoted = false;
  }

  if (!KEY_CHARACTERS.test(key)) return fail("invalid-characters", "Idempotency-Key may only contain visible ASCII characters (no spaces).");
  if (key.length < minLength) {
    return fail("too-short", `Idempotency-Key must be at least ${minLength} characters; use a random UUID.`);
  }
  if (key.length > maxLength) return fail("too-long", `Idempotency-Key must be at most ${maxLength} characters.`);
  return { ok: true, key, quoted };
}

function fail(problem: IdempotencyKeyProblem, detail: string): ParsedIdempotencyKey {
  return { ok: false, problem, detail };
}
