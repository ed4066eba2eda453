/**
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) checked in constant time. Both sides are hashed
 * with SHA-256 first, so the comparison always runs over 32 bytes: neither the secret's length nor the
 * position of the first differing byte shows in the timing (the reason `===` is not used; CWE-208).
 */

/** The token of an `Authorization: Bearer …` header; `null` for any other scheme or a malformed header. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  // RFC 6750 §2.1: scheme is case-insensitive, b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * True when `header` carries exactly `secret`. A `null` secret (not configured) never matches, so an
 * unset METRICS_TOKEN locks the endpoint instead of opening it.
 * @example await verifyBearer(request.headers.get("authorization"), config.metricsToken)
 */
export async function verifyBearer(header: string | null | undefined, secret: string | null): Promise<boolean> {
  const presented = bearerToken(header);
  if (secret === null || secret === "") {
    return false;
  }
  // Hash even when the header is missing or malformed, so a bad header costs the same as a wrong token.
  const [a, b] = await Promise.all([sha256(presented ?? ""), sha256(secret)]);
  return timingSafeEqual(a, b) && presented !== null;
}

/** Compares two byte arrays without an early exit; arrays of different length are unequal. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
