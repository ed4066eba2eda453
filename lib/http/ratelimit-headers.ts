/**
 * RateLimit header fields for HTTP (draft-ietf-httpapi-ratelimit-headers, editor's copy 0669b82,
 * §§3–5; reference/rate-limiting.md §4.1), plus the optional legacy `X-RateLimit-*` trio.
 *
 *   RateLimit-Policy: "api";q=100;w=60, "orders";q=10;w=60
 *   RateLimit: "api";r=42;t=17, "orders";r=9;t=60
 *
 * Both are Structured Field Lists (RFC 9651) of Strings naming the policy. `t` is delta-seconds
 * (never an epoch: immune to clock skew, §5.3 of the reference); the draft allows no sub-second `w`.
 */

/** One quota policy as advertised to clients. */
export interface RateLimitHeaderPolicy {
  /** Policy name (an sf-string; quoted and escaped here). */
  name: string;
  /** `q`: quota units per window. */
  quota: number;
  /** `w`: window in whole seconds (≥ 1). */
  windowSeconds: number;
  /** Units left; omit when unknown (the policy is then listed in RateLimit-Policy only). */
  remaining?: number;
  /** Epoch ms when more quota is available; omit when unknown. */
  reset?: number;
}

export interface RateLimitHeaderOptions {
  /** "Now" for delta-seconds, in epoch ms. */
  now: number;
  /** Add `X-RateLimit-Limit/-Remaining/-Reset` for the tightest policy (Reset in epoch seconds, as GitHub). */
  legacy?: boolean;
}

/** An RFC 9651 sf-string: `"` and `\` escaped; anything outside printable ASCII replaced by `?`. */
export function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, "?").replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Seconds until `reset` (ceil, never negative). */
export function deltaSeconds(reset: number, now: number): number {
  return Math.max(0, Math.ceil((reset - now) / 1000));
}

/** The header fields for `policies`, in order; an empty list yields no headers. */
export function rateLimitHeaders(policies: readonly RateLimitHeaderPolicy[], options: RateLimitHeaderOptions): Headers {
  const headers = new Headers();
  if (policies.length === 0) return headers;
  const int = (n: number) => Math.max(0, Math.floor(n));
  headers.set(
    "ratelimit-policy",
    policies.map((p) => `${sfString(p.name)};q=${int(p.quota)};w=${Math.max(1, int(p.windowSeconds))}`).join(", "),
  );
  const measured = policies.filter((p) => p.remaining !== undefined);
  if (measured.length > 0) {
    headers.set(
      "ratelimit",
      measured
        .map((p) => `${sfString(p.name)};r=${int(p.remaining!)}${p.reset === undefined ? "" : `;t=${deltaSeconds(p.reset, options.now)}`}`)
        .join(", "),
    );
  }
  if (options.legacy && measured.length > 0) {
    const tightest = measured.reduce((a, b) => (b.remaining! < a.remaining! ? b : a));
    headers.set("x-ratelimit-limit", String(int(tightest.quota)));
    headers.set("x-ratelimit-remaining", String(int(tightest.remaining!)));
    if (tightest.reset !== undefined) headers.set("x-ratelimit-reset", String(Math.ceil(tightest.reset / 1000)));
  }
  return headers;
}
