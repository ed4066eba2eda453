/**
 * Who a policy counts against for one request ("subjects"), and the opaque ids that reach Redis.
 * Identifiers never reach Redis raw (issue 3): an IP or user id is hashed with SHA-256
 * (crypto.subtle, Web-standard) and truncated to 128 bits — hex, so it holds no `:` or glob
 * character, and an IP cannot be read back from a key.
 */
import type { Identity } from "../http";
import type { ResolvedRateLimitPolicy } from "./policy";
import { toHex } from "../hex";
import { memoizeRecent } from "../lru-memo";

export type SubjectDimension = "ip" | "user";

export interface Subject {
  dimension: SubjectDimension;
  /** The raw value, kept in memory only (deny-list matching). `"unknown"` when no IP could be found. */
  value: string;
  /** 32 hex chars: SHA-256(scope, dimension, value) truncated; the identifier given to the limiter. */
  id: string;
}

/** Placeholder when neither a trusted proxy header nor the runtime gives the client address. */
export const UNKNOWN_IP = "unknown";

/** The (dimension, value) pairs a policy limits for this identity, before hashing. */
export function subjectsOf(policy: ResolvedRateLimitPolicy, identity: Identity): Array<Omit<Subject, "id">> {
  const ip = { dimension: "ip" as const, value: identity.ip ?? UNKNOWN_IP };
  const user = identity.userId === null ? null : { dimension: "user" as const, value: identity.userId };
  switch (policy.identity) {
    case "ip":
      return [ip];
    case "user-or-ip":
      return [user ?? ip];
    case "ip-and-user":
      return user ? [ip, user] : [ip];
  }
}

const encoder = new TextEncoder();

/**
 * Recently used identity digests (issue 10), sized for the clients one instance sees rather than its
 * requests: a request needs one entry per limited subject and route scope plus one for the deny list,
 * so 10,000 entries (the first size) held fewer than 5,000 clients, and a server cycling through 5,000
 * returning clients hashed every request twice (bench:gate: 6 % of the server's CPU in `digest`).
 * 50,000 entries are ~9 MB at most (≈180 bytes each, measured for IPv4 keys), within an edge isolate's
 * 128 MB.
 */
export const HASH_MEMO_SIZE = 50_000;

const truncatedSha256 = memoizeRecent(async (input) => {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(input));
  return toHex(new Uint8Array(digest, 0, 16));
}, HASH_MEMO_SIZE);

/**
 * SHA-256 of the parts joined by NUL (no part contains NUL in practice; a NUL inside a part would only
 * merge two of the caller's own identities), first 16 bytes as hex.
 */
export function hashParts(...parts: string[]): Promise<string> {
  return truncatedSha256(parts.join("\u0000"));
}

/**
 * Hashed subjects of a policy. `scope` is the route name for per-route policies (`api`: one budget
 * per endpoint) and empty otherwise, so the same user has distinct ids per endpoint.
 */
export async function hashSubjects(
  policy: ResolvedRateLimitPolicy,
  identity: Identity,
  routeName: string,
): Promise<Subject[]> {
  const scope = policy.perRoute ? routeName : "";
  return Promise.all(
    subjectsOf(policy, identity).map(async (s) => ({ ...s, id: await hashParts("rl", scope, s.dimension, s.value) })),
  );
}
