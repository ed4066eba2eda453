/**
 * The types CacheBackend's operations take and return (backend.ts), and the one rule for a
 * `captured` version stamp. Re-exported by backend.ts, which callers import.
 */
import type { Clock } from "../clock";
import type { Keys } from "../keys";
import type { CacheRedis } from "../redis";
import type { CircuitBreaker, DegradedReason, EmitResilienceEvent } from "../resilience";
import type { CacheEnvelope, EntryOutcome } from "./envelope";
import type { MemoryStore } from "./memory-store";

/** Where an answer came from. `memory` = this instance only (Redis down or not configured). */
export type CacheBackendName = "redis" | "memory";

/** Why the memory backend answered: the guard's reason, or `no-redis` (none configured). */
export type CacheDegradedReason = DegradedReason | "no-redis";

export interface BackendDeps {
  redis: CacheRedis | null;
  keys: Keys;
  clock: Clock;
  breaker: CircuitBreaker | undefined;
  /** `open`: degrade to the memory store; `closed`: throw (HTTP 503). */
  failPolicy: "open" | "closed";
  /** Budget of one guarded operation. */
  timeoutMs: number;
  memory: MemoryStore;
  emit?: EmitResilienceEvent;
  /** Called with every degraded decision (feeds the stats' `backend`/`degraded`). */
  onDegraded: (reason: CacheDegradedReason) => void;
  /** TTL of namespace/tag version keys, seconds. */
  versionTtlSeconds: number;
}

/** Who answered and whether it was degraded; spread into every public result. */
export interface BackendInfo {
  backend: CacheBackendName;
  degraded?: CacheDegradedReason;
}

export interface ReadResult extends BackendInfo {
  outcome: EntryOutcome;
  entry?: CacheEnvelope;
  /** Current tokens of the namespace and each requested tag, in order; undefined = missing. */
  tokens: (string | undefined)[];
}

export interface PendingEntry {
  key: string;
  /** Envelope JSON without its closing brace (envelopeHead). */
  head: string;
  /** Entry expiry in Redis (fresh + stale), ms. */
  px: number;
}

/** How a write stamps versions: `captured` = only if they are still these tokens; `current` = whatever is current. */
export type VersionStamp = { kind: "captured"; tokens: readonly string[] } | { kind: "current" };

/**
 * The `captured` stamp for a write with `count` version keys (namespace + tags), or undefined when
 * `tokens` cannot be one: missing, short, or holding an empty/absent token. Such a list must never
 * pass as captured — CACHE_WRITE would compare "" with the real token and write nothing, or (as a
 * `current` stamp) write a value loaded before an invalidation as valid after it.
 */
export function capturedStamp(tokens: readonly (string | undefined)[] | undefined, count: number): VersionStamp | undefined {
  if (!tokens || tokens.length !== count || !tokens.every((t) => typeof t === "string" && t.length > 0)) return undefined;
  return { kind: "captured", tokens: tokens as readonly string[] };
}

export interface WriteResult extends BackendInfo {
  written: number;
  /**
   * `no-ticket`: deliberately kept in this instance's memory store only (`backend: "memory"`), because
   * no version tokens were captured before the value was loaded, so it may predate an invalidation.
   */
  unshared?: "no-ticket";
}

export interface LeaseResult extends BackendInfo {
  won: boolean;
  /** Tokens after creating missing ones (only when asked to ensure them). */
  tokens?: (string | undefined)[];
}
