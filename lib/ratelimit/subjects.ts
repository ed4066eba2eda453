/**
 * Who a policy counts against for one request ("subjects"), and the opaque ids that reach Redis.
 * Identifiers never reach Redis raw (issue 3): an IP or user id is hashed with SHA-256
 * (crypto.subtle, Web-standard) and truncated to 128 bits — hex, so it holds no `:` or glob
 * character, and an IP cannot be read back from a key.
 */
import type { Identity } from "../http";
import type { ResolvedRateLimitPolicy } from "./policy";
import { toHex } from "../hex";

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
 * Recent digests, oldest first (issue 10): `crypto.subtle.digest` is asynchronous and, on Node, a
 * job on the thread pool — the largest CPU cost of a gated request after the HTTP client itself.
 * Identities repeat (a client sends many requests), so a bounded memo of this pure function turns
 * most of them into a Map lookup. It holds no state beyond that: same input, same output.
 */
const memo = new Map<string, string>();
const MEMO_SIZE = 10_000;

/**
 * SHA-256 of the parts joined by NUL (no part contains NUL in practice; a NUL inside a part would only
 * merge two of the caller's own identities), first 16 bytes as hex.
 */
export async function hashParts(...parts: string[]): Promise<string> {
  const input = parts.join("\u0000");
  const known = memo.get(input);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(input));
  const hex = toHex(new Uint8Array(digest, 0, 16));
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  memo.set(input, hex);
  return hex;
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
