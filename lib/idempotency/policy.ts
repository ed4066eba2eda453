/**
 * The per-route idempotency policy (the `idempotency` field of a kit.config.ts entry) and its
 * defaults. The choices where implementations disagree (reference §4) are options here, each
 * defaulting to what keeps a non-repeatable operation from running twice.
 */
import type { KitConfig } from "../config";
import { toMs, type Duration } from "../duration";
import type { Identity, IdempotencyKeyRules } from "../http";
import { DEFAULT_TTLS } from "../keys";

/** Methods the policy can cover. GET/HEAD/OPTIONS are safe by definition: a key there has no effect. */
export type IdempotentMethod = "POST" | "PATCH" | "PUT" | "DELETE";

/** The route's idempotency policy. Every field is optional; see each default. */
export interface IdempotencyPolicy {
  /**
   * Refuse (400) a request without `Idempotency-Key`. When false, a request without the header runs
   * normally, without any idempotency (a malformed header is still a 400).
   * @default true
   */
  required?: boolean;
  /** @default ["POST", "PATCH"] */
  methods?: readonly IdempotentMethod[];
  /**
   * How long a completed response stays replayable; a key used after that starts a new request
   * (Stripe prunes after 24 h). @default "24 h"
   */
  retention?: Duration;
  /**
   * How long an in-flight claim blocks retries (409) before the attempt is presumed crashed and a
   * retry may run the handler again. Make it longer than the handler's worst-case duration
   * (Brandur uses 90 s). @default "60 s"
   */
  lease?: Duration;
  /**
   * Redis unreachable: `"closed"` answers 503 + Retry-After (running a non-repeatable request twice
   * is worse than refusing it); `"open"` runs the handler without idempotency and says so in
   * `x-idempotency-degraded`. @default config `IDEMPOTENCY_FAIL_POLICY` ("closed")
   */
  failPolicy?: "open" | "closed";
  /**
   * What a 5xx from the handler (or a thrown error) does to the record:
   * - `"release"` (default): the record is deleted and the retry runs the handler again. For handlers
   *   that fail before committing (the usual case: an exception, a dependency down), which the client
   *   should simply retry. Powertools, checkout.com and hono-idempotency do this.
   * - `"store"`: the 5xx is replayed like any response (Stripe v1). For handlers with side effects
   *   that may have partly happened before the error; the client then needs a new key.
   * A thrown error is always released: there is no response to replay.
   * @default "release"
   */
  serverErrors?: "release" | "store";
  /**
   * Handler 4xx responses are deterministic (same input, same answer) and are stored by default;
   * `"release"` lets the client correct and resend with the same key. 408, 425 and 429 mean "try again
   * later" and are always released. @default "store"
   */
  clientErrors?: "store" | "release";
  /**
   * Largest response body stored for replay. A larger response is delivered to the first caller but
   * not stored: the record is completed without it, and a retry answers 410 (the operation is never
   * run twice, and never replayed with a missing body). Upstash caps one request at 10 MB.
   * @default 1 MiB
   */
  maxResponseBytes?: number;
  /** Largest request body fingerprinted; a larger one is refused with 413. @default 1 MiB */
  maxRequestBytes?: number;
  /**
   * Response headers replayed besides the defaults (content-type, location, etag…). `set-cookie` and
   * hop-by-hop headers are never stored (one user's cookie must not reach another retry).
   */
  replayHeaders?: readonly string[];
  /** Key format: @default { minLength: 16, maxLength: 255, syntax: "lenient" } */
  key?: IdempotencyKeyRules;
  /**
   * Whose keys these are. One scope's key never replays another scope's response (the draft's
   * composite lookup key). @default the user id, else the client IP, else "anonymous"
   */
  scope?: (identity: Identity, request: Request) => string;
}

/** A policy with every default applied, as the gate and the route wrapper use it. */
export interface ResolvedIdempotencyPolicy {
  readonly required: boolean;
  readonly methods: readonly IdempotentMethod[];
  readonly retentionMs: number;
  readonly leaseMs: number;
  readonly failPolicy: "open" | "closed";
  readonly serverErrors: "release" | "store";
  readonly clientErrors: "store" | "release";
  readonly maxResponseBytes: number;
  readonly maxRequestBytes: number;
  readonly replayHeaders: readonly string[];
  readonly key: IdempotencyKeyRules;
  readonly scope: (identity: Identity, request: Request) => string;
}

/** Replayed by default: what describes the stored representation, nothing about this connection. */
export const DEFAULT_REPLAY_HEADERS: readonly string[] = Object.freeze([
  "content-type",
  "content-language",
  "content-encoding",
  "content-disposition",
  "content-location",
  "location",
  "link",
  "etag",
  "last-modified",
  "cache-control",
]);

/** Never stored, whatever `replayHeaders` says (reference pitfall 7; RFC 9110 §7.6.1 hop-by-hop). */
export const NEVER_REPLAYED_HEADERS: ReadonlySet<string> = new Set([
  "set-cookie",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "trailer",
  "te",
  "proxy-authenticate",
]);

const MiB = 1024 * 1024;

/** The default scope: the authenticated user, else the client IP, else one shared anonymous scope. */
export function defaultIdempotencyScope(identity: Identity): string {
  if (identity.userId) return `user:${identity.userId}`;
  if (identity.ip) return `ip:${identity.ip}`;
  return "anonymous";
}

/**
 * Applies the defaults and validates. Throws RangeError on a policy that cannot work (a lease of
 * zero, a retention shorter than the lease), naming the field.
 */
export function resolveIdempotencyPolicy(policy: IdempotencyPolicy, config: Pick<KitConfig, "idempotency">): ResolvedIdempotencyPolicy {
  const retentionMs = toMs(policy.retention ?? DEFAULT_TTLS.idempotency.retentionSeconds * 1000);
  const leaseMs = toMs(policy.lease ?? DEFAULT_TTLS.idempotency.inFlightLeaseMs);
  if (leaseMs < 1) throw new RangeError("idempotency.lease must be at least 1 ms");
  if (retentionMs < leaseMs) throw new RangeError("idempotency.retention must be at least idempotency.lease");
  const maxResponseBytes = policy.maxResponseBytes ?? MiB;
  const maxRequestBytes = policy.maxRequestBytes ?? MiB;
  for (const [name, value] of [["maxResponseBytes", maxResponseBytes], ["maxRequestBytes", maxRequestBytes]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`idempotency.${name} must be a whole number >= 0`);
  }
  const extra = (policy.replayHeaders ?? []).map((h) => h.toLowerCase()).filter((h) => !NEVER_REPLAYED_HEADERS.has(h));
  const methods = policy.methods ?? ["POST", "PATCH"];
  if (methods.length === 0) throw new RangeError("idempotency.methods must list at least one method");
  return Object.freeze({
    required: policy.required ?? true,
    methods,
    retentionMs,
    leaseMs,
    failPolicy: policy.failPolicy ?? config.idempotency.failPolicy,
    serverErrors: policy.serverErrors ?? "release",
    clientErrors: policy.clientErrors ?? "store",
    maxResponseBytes,
    maxRequestBytes,
    replayHeaders: Object.freeze([...new Set([...DEFAULT_REPLAY_HEADERS, ...extra])]),
    key: policy.key ?? {},
    scope: policy.scope ?? defaultIdempotencyScope,
  });
}

/** Whether a handler response with `status` is stored (true) or released for a retry (false). */
export function shouldStore(status: number, policy: Pick<ResolvedIdempotencyPolicy, "serverErrors" | "clientErrors">): boolean {
  if (status >= 500) return policy.serverErrors === "store";
  // "Try again later" by definition: storing them would replay a refusal forever.
  if (status === 408 || status === 425 || status === 429) return false;
  if (status >= 400) return policy.clientErrors === "store";
  return true;
}
