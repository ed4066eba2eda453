/**
 * Conditional GET/HEAD against a stored response (RFC 9111 §4.3.2): does the client's copy match it,
 * so the cache answers 304 Not Modified instead of the body? Only the two preconditions that can
 * yield a 304 are evaluated; If-Match / If-Unmodified-Since / If-Range go to the origin on a MISS.
 */

/** Fields of the stored response a 304 carries (RFC 9110 §15.4.5); Last-Modified only without an ETag. */
const NOT_MODIFIED_FIELDS = ["cache-control", "content-location", "date", "etag", "expires", "vary"];

/**
 * True when `request` is a GET/HEAD whose If-None-Match or (absent that) If-Modified-Since does not
 * hold against `stored`, i.e. the answer is 304 (RFC 9110 §13.2.2 steps 3–4).
 */
export function isNotModified(request: Request, stored: Headers): boolean {
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD") return false;
  const ifNoneMatch = request.headers.get("if-none-match");
  // §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
  if (ifNoneMatch !== null) return noneMatchFails(ifNoneMatch, stored.get("etag"));
  const ifModifiedSince = request.headers.get("if-modified-since");
  if (ifModifiedSince === null) return false;
  const since = parseHttpDate(ifModifiedSince);
  const lastModified = parseHttpDate(stored.get("last-modified") ?? "");
  // Without a stored Last-Modified the 200 is always a correct answer (§4.3.2 lists fallbacks as SHOULD).
  return since !== undefined && lastModified !== undefined && lastModified <= since;
}

/** The 304 for `stored` (RFC 9110 §15.4.5): the fields a 200 would carry that guide caches, no content. */
export function notModifiedHeaders(stored: Headers): Headers {
  const headers = new Headers();
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = stored.get(name);
    if (value !== null) headers.set(name, value);
  }
  const lastModified = stored.get("last-modified");
  if (!headers.has("etag") && lastModified !== null) headers.set("last-modified", lastModified);
  return headers;
}

/**
 * If-None-Match (RFC 9110 §13.1.2): "*" matches any current representation (the stored one); a list
 * matches when one entity-tag weakly matches the stored ETag (§8.8.3.2: opaque-tags equal, W/ ignored).
 * A field with no valid entity-tag matches nothing, so the full response is sent.
 */
function noneMatchFails(field: string, etag: string | null): boolean {
  if (field.trim() === "*") return true;
  const stored = etag === null ? undefined : opaqueTag(etag.trim());
  if (stored === undefined) return false;
  for (const match of field.matchAll(ENTITY_TAG)) if (match[1] === stored) return true;
  return false;
}

/** entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (§8.8.3). */
const ENTITY_TAG = /(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")/g;

function opaqueTag(etag: string): string | undefined {
  const match = /^(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/.exec(etag);
  return match?.[1];
}

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
/** The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})$`,
);

/**
 * Epoch ms of an HTTP-date, or undefined when the value is not one — including a list of dates,
 * which §13.1.3 says to ignore. asctime carries no zone and is UTC (§5.6.7).
 */
function parseHttpDate(value: string): number | undefined {
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return undefined;
  const ms = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(ms) ? undefined : ms;
}
