/**
 * Deny list: identities refused before any rate-limit call, without a Redis call per request.
 *
 * - Static entries from kit.config.ts are matched in memory.
 * - The shared list is a Redis set of SHA-256 hashes (no raw IPs in Redis), edited at runtime with
 *   `addToDenyList` / `removeFromDenyList`. Each isolate keeps a copy and re-reads it at most once per
 *   `refreshMs`; the re-read is issued in the same tick as the rate-limit calls, so auto-pipelining
 *   carries it in the same HTTP request (0 extra round trips). A failed re-read keeps the old copy.
 *   Unlike @upstash/ratelimit's `enableProtection` (full EVAL + SMISMEMBER on every call, a
 *   module-global cache shared across prefixes — reference §1.2 and pitfall 2), this costs nothing
 *   per request and is scoped to one kit.
 */
import type { GateKit } from "../kit";
import { normaliseIp, type Identity } from "../http";
import { runScript } from "../redis";
import { guard } from "../resilience";
import { DENY_LIST_READ } from "./scripts";
import { hashParts, type SubjectDimension } from "./subjects";

export interface DenyListConfig {
  readonly entries: readonly string[];
  readonly refreshMs: number | false;
}

export interface DenyList {
  /** The first static entry matching one of `subjects` ("ip:…" / "user:…"), or undefined. */
  matchStatic(subjects: ReadonlyArray<{ dimension: SubjectDimension; value: string }>): string | undefined;
  /** Whether the shared list should be re-read now (never loaded, or older than refreshMs). */
  refreshDue(now: number): boolean;
  /** Re-reads the shared list; never rejects (a failure keeps the previous copy, visibly). */
  refresh(): Promise<void>;
  /** Whether one of these deny hashes (see {@link denyHash}) is on the shared list. */
  matchShared(hashes: readonly string[]): boolean;
  /** Whether the shared list is in use (Redis configured and `shared` not false). */
  readonly shared: boolean;
}

/** Parses `"ip:203.0.113.7"` / `"user:42"` into its canonical form; throws RangeError on anything else. */
export function parseDenyEntry(entry: string): { dimension: SubjectDimension; value: string } {
  const colon = entry.indexOf(":");
  const kind = entry.slice(0, colon);
  const raw = entry.slice(colon + 1).trim();
  if (colon > 0 && kind === "user" && raw.length > 0) return { dimension: "user", value: raw };
  if (colon > 0 && kind === "ip") {
    // "2001:db8:1:2::/64" (the canonical form identities use) → its network address.
    const ip = normaliseIp(raw.endsWith("/64") ? raw.slice(0, -3) : raw);
    if (ip) return { dimension: "ip", value: ip };
  }
  throw new RangeError(`deny-list entry "${entry}": expected "ip:<address>" or "user:<id>"`);
}

/**
 * What the deny list is matched against: the WHOLE identity — the client IP whenever it is known and
 * the user id whenever there is one — whatever the route's policies count. Policies decide whose
 * budget a request spends (`user-or-ip` spends only the user's once signed in); a ban is about who is
 * calling, so an `ip:` entry must still hold after the caller signs into any account, and a `user:`
 * entry on a route whose policies count only IPs.
 */
export function denyCandidates(identity: Identity): Array<{ dimension: SubjectDimension; value: string }> {
  const candidates: Array<{ dimension: SubjectDimension; value: string }> = [];
  if (identity.ip !== null) candidates.push({ dimension: "ip", value: identity.ip });
  if (identity.userId !== null) candidates.push({ dimension: "user", value: identity.userId });
  return candidates;
}

/** The hash stored in the shared list for one identity. */
export function denyHash(dimension: SubjectDimension, value: string): Promise<string> {
  return hashParts("deny", dimension, value);
}

/** Adds an identity ("ip:…" / "user:…") to the shared deny list; instances see it within their refresh interval. */
export async function addToDenyList(kit: GateKit, entry: string): Promise<void> {
  const { dimension, value } = parseDenyEntry(entry);
  await requireRedis(kit).sadd(denyListKey(kit), await denyHash(dimension, value));
}

/** Removes an identity from the shared deny list. */
export async function removeFromDenyList(kit: GateKit, entry: string): Promise<void> {
  const { dimension, value } = parseDenyEntry(entry);
  await requireRedis(kit).srem(denyListKey(kit), await denyHash(dimension, value));
}

function requireRedis(kit: GateKit) {
  if (!kit.redis) throw new RangeError("the shared deny list needs Redis (the kit is in memory mode)");
  return kit.redis;
}

// "_deny" cannot be a policy name (names are [a-z][a-z0-9-]*), so this never meets a limiter's keys.
function denyListKey(kit: GateKit): string {
  return kit.keys.rateLimit("_deny", "entries");
}

export function createDenyList(kit: GateKit, config: DenyListConfig | false): DenyList {
  const statics = new Set((config ? config.entries : []).map((e) => {
    const { dimension, value } = parseDenyEntry(e);
    return `${dimension}:${value}`;
  }));
  const shared = config !== false && config.refreshMs !== false && kit.redis !== null;
  const refreshMs = config && config.refreshMs !== false ? config.refreshMs : Number.POSITIVE_INFINITY;
  let hashes: ReadonlySet<string> = new Set();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  return {
    shared,
    matchStatic(subjects) {
      for (const s of subjects) {
        const key = `${s.dimension}:${s.value}`;
        if (statics.has(key)) return key;
      }
      return undefined;
    },
    refreshDue(now) {
      return shared && inFlight === undefined && now - loadedAt >= refreshMs;
    },
    refresh() {
      const redis = kit.redis;
      if (!shared || !redis) return Promise.resolve();
      // Marked loaded up front: while Redis is down, at most one attempt per interval, not per request.
      loadedAt = kit.clock.now();
      inFlight = guard(() => runScript(redis, DENY_LIST_READ, [denyListKey(kit)], []), {
        name: "ratelimit.deny-list",
        timeoutMs: kit.config.rateLimit.timeoutMs,
        breaker: kit.breaker,
        failPolicy: "open",
        fallback: () => null,
      }).then(
        ({ value, degraded }) => {
          if (value) hashes = new Set(value);
          else console.warn(`[edge-kit] deny list refresh degraded (${degraded}); keeping the previous copy`);
        },
        (err: unknown) => console.warn("[edge-kit] deny list refresh failed; keeping the previous copy", err),
      ).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    matchShared(list) {
      return list.some((h) => hashes.has(h));
    },
  };
}
