/**
 * The idempotency record operations over Redis — claim (one `SET NX PX GET`), complete, release and
 * renew (one script each) — each one command on the primary, each under `guard()` with the caller's fail
 * policy (nothing here catches Redis errors). The record layout is in scripts.ts.
 */
import type { Clock } from "../clock";
import { KitError } from "../errors";
import { runScript, type IdempotencyRedis } from "../redis";
import { guard, type CircuitBreaker, type DegradedReason, type EmitResilienceEvent } from "../resilience";
import { IDEMPOTENCY_COMPLETE, IDEMPOTENCY_RELEASE, IDEMPOTENCY_RENEW } from "./scripts";
import { decodeStoredResponse, type StoredResponse } from "./stored-response";
import { toHex } from "../hex";

/** What a claim found. */
export type ClaimResult =
  /** The key is ours: run the handler, then complete or release with `token`. */
  | { state: "claimed"; token: string }
  /** Another request holds the key; its lease ends in `retryAfterMs` at the latest. */
  | { state: "in-flight"; retryAfterMs: number }
  /** The key was used with a different request (method, route, identity or body). */
  | { state: "mismatch" }
  /** The first request finished: replay this. */
  | { state: "completed"; response: StoredResponse }
  /** Redis was unreachable and the fail policy is open: run without idempotency. */
  | { state: "bypassed"; degraded: DegradedReason };

export interface IdempotencyStoreDeps {
  redis: IdempotencyRedis;
  clock: Clock;
  /** Budget of one operation (claim, complete or release). */
  timeoutMs: number;
  breaker?: CircuitBreaker | false;
  emit?: EmitResilienceEvent;
}

export interface ClaimOptions {
  leaseMs: number;
  failPolicy: "open" | "closed";
  /** Receives the background release of a claim whose answer never came (see `claim`). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** The outcome of complete/release/renew: `applied` false = this token no longer owns the record. */
export type SettleResult = { applied: boolean; degraded?: DegradedReason };

export interface IdempotencyStore {
  /**
   * Claims `recordKey` for a request with `fingerprint` and a fresh random token.
   * @throws RedisUnavailableError / RedisTimeoutError / CircuitOpenError when degraded and `failPolicy` is closed
   */
  claim(recordKey: string, fingerprint: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Pushes the in-flight lease `leaseMs` ahead (only the claimer, only while in flight). Degrades open, reported. */
  renew(recordKey: string, token: string, leaseMs: number): Promise<SettleResult>;
  /** Stores the response for replay (only the claimer, only while in flight). Degrades open, reported. */
  complete(recordKey: string, token: string, response: StoredResponse, retentionMs: number): Promise<SettleResult>;
  /** Deletes the in-flight record so a retry runs again (only the claimer). Degrades open, reported. */
  release(recordKey: string, token: string): Promise<SettleResult>;
}

/** A stored record that is not a response envelope: a bug or a foreign write, never silently replayed. */
export class IdempotencyRecordError extends KitError {
  constructor(recordKey: string) {
    super("E_IDEMPOTENCY_RECORD", `Idempotency record ${recordKey} holds no valid stored response`, { context: { recordKey } });
  }
}

export function createIdempotencyStore(deps: IdempotencyStoreDeps): IdempotencyStore {
  const { redis, clock, timeoutMs, breaker, emit } = deps;
  const common = { timeoutMs, breaker, emit, clock };

  async function release(recordKey: string, token: string): Promise<SettleResult> {
    const { value, degraded } = await guard(() => runScript(redis, IDEMPOTENCY_RELEASE, [recordKey], [token]), {
      ...common,
      name: "idempotency.release",
      failPolicy: "open",
      fallback: () => 0 as const,
    });
    return degraded ? { applied: false, degraded } : { applied: Number(value) === 1 };
  }

  return {
    async claim(recordKey, fingerprint, options) {
      const { leaseMs, failPolicy } = options;
      const token = newToken();
      const lease = Math.ceil(leaseMs);
      const record: InFlightRecord = { state: "in-flight", fp: fingerprint, token, until: clock.now() + lease };
      // Claims the key, or returns the record holding it, in one command (Redis ≥ 7.0: NX with GET).
      // A client-level retry of this very call finds its own token and answers "claimed" (reference §8).
      const run = () => redis.set<unknown>(recordKey, JSON.stringify(record), { nx: true, px: lease, get: true });
      // No answer does not mean nothing happened: the SET may have run and only its reply been lost
      // (REDIS_RETRIES=0) or timed out. Left in place, that claim answers the client's retry — which
      // our 503 invites "with the same Idempotency-Key" — with 409 for the whole lease while nothing
      // runs. So the token is released in the background (IDEMPOTENCY_RELEASE only deletes an
      // in-flight record holding it: a no-op when the SET never ran). Left open: after a timeout the
      // SET can still be queued at the server when the release runs; then the claim lapses with its lease.
      const releaseOrphan = () => {
        const done = release(recordKey, token).then(
          ({ applied }) => void (applied && console.warn(`[edge-kit] idempotency: released the claim on ${recordKey} whose answer was lost`)),
          (err: unknown) => console.warn(`[edge-kit] idempotency: releasing a possibly orphaned claim on ${recordKey} failed; it lapses with its lease`, err),
        );
        options.waitUntil?.(done);
      };
      let claimed: { value: unknown; degraded?: DegradedReason };
      try {
        claimed =
          failPolicy === "closed"
            ? await guard(run, { ...common, name: "idempotency.claim", failPolicy: "closed" })
            : await guard<unknown>(run, { ...common, name: "idempotency.claim", failPolicy: "open", fallback: () => null });
      } catch (err) {
        releaseOrphan();
        throw err;
      }
      if (claimed.degraded) {
        releaseOrphan();
        return { state: "bypassed", degraded: claimed.degraded };
      }
      if (claimed.value === null) return { state: "claimed", token };
      const existing = asRecord(claimed.value);
      if (!existing) throw new IdempotencyRecordError(recordKey);
      // A different fingerprint wins over every other state (draft -07 §2.7: 422 whether the first request is running or done).
      if (existing.fp !== fingerprint) return { state: "mismatch" };
      if (existing.state === "in-flight") {
        if (existing.token === token) return { state: "claimed", token };
        return { state: "in-flight", retryAfterMs: Math.max(0, existing.until - clock.now()) };
      }
      const response = decodeStoredResponse(existing.response);
      if (!response) throw new IdempotencyRecordError(recordKey);
      return { state: "completed", response };
    },

    async complete(recordKey, token, response, retentionMs) {
      const { value, degraded } = await guard(
        () => runScript(redis, IDEMPOTENCY_COMPLETE, [recordKey], [token, JSON.stringify(response), Math.ceil(retentionMs)]),
        { ...common, name: "idempotency.complete", failPolicy: "open", fallback: () => 0 as const },
      );
      return degraded ? { applied: false, degraded } : { applied: Number(value) === 1 };
    },

    async renew(recordKey, token, leaseMs) {
      const { value, degraded } = await guard(() => runScript(redis, IDEMPOTENCY_RENEW, [recordKey], [token, Math.ceil(leaseMs)]), {
        ...common,
        name: "idempotency.renew",
        failPolicy: "open",
        fallback: () => 0 as const,
      });
      return degraded ? { applied: false, degraded } : { applied: Number(value) === 1 };
    },

    release,
  };
}

interface InFlightRecord {
  state: "in-flight";
  fp: string;
  token: string;
  /** Lease end, epoch ms of the claimer's clock: only a Retry-After hint. */
  until: number;
}

type StoredRecord = InFlightRecord | { state: "completed"; fp: string; token: string; response: unknown };

/** The record the claim found (already JSON-parsed by the client), or undefined if it is not one. */
function asRecord(raw: unknown): StoredRecord | undefined {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined; // not JSON: a foreign value under our key, reported by the caller
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<InFlightRecord> & { state?: unknown; response?: unknown };
  if (typeof r.fp !== "string" || typeof r.token !== "string") return undefined;
  if (r.state === "in-flight") return { state: "in-flight", fp: r.fp, token: r.token, until: typeof r.until === "number" ? r.until : 0 };
  if (r.state === "completed") return { state: "completed", fp: r.fp, token: r.token, response: r.response };
  return undefined;
}

/** 128 random bits, base64url: unguessable, so only the claimer can complete or release. */
function newToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}
