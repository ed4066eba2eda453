/**
 * Bearer-token auth (spec §3): `Authorization: Bearer <token>` or `?_token=<token>`.
 * Tokens are compared as SHA-256 digests with timingSafeEqual: constant time, and the digests have
 * equal length whatever the presented token's length, so its length does not leak either.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type AccessLevel = "full" | "readonly";

/** Upstash's current wording (spec §3, docs http_unauthorized.mdx). */
export const UNAUTHORIZED_MESSAGE = "WRONGPASS invalid or missing auth token";
const BEARER = /^Bearer\s+(.+)$/i;

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export function presentedToken(req: IncomingMessage, query: URLSearchParams | undefined): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (match) return match[1]!.trim();
  }
  return query?.get("_token") ?? undefined;
}

export interface Authenticator {
  check(token: string | undefined): AccessLevel | undefined;
}

export function createAuthenticator(token: string, readonlyToken?: string): Authenticator {
  if (token.length === 0) throw new Error("upstash-local: token must not be empty");
  const full = digest(token);
  const readonly = readonlyToken ? digest(readonlyToken) : undefined;
  return {
    check(presented) {
      if (presented === undefined || presented.length === 0) return undefined;
      const candidate = digest(presented);
      // Evaluate both comparisons every time, so timing does not reveal which token matched.
      const isFull = timingSafeEqual(candidate, full);
      const isReadonly = readonly !== undefined && timingSafeEqual(candidate, readonly);
      if (isFull) return "full";
      return isReadonly ? "readonly" : undefined;
    },
  };
}
