/**
 * The decision before the handler runs, shared by Next's gate and the Hono middleware:
 * validate the key → fingerprint the request → claim atomically → proceed, refuse or replay.
 * (Reference §7 "Decision flow"; draft -07 §2.7 for 400/409/422.)
 */
import { KitError } from "../errors";
import { parseIdempotencyKey, IDEMPOTENCY_KEY_HEADER, type Identity } from "../http";
import type { GateKit } from "../kit";
import { MAX_KEY_PART_BYTES } from "../keys";
import type { DegradedReason } from "../resilience";
import { sha256Base64Url, requestFingerprint } from "./fingerprint";
import type { ResolvedIdempotencyPolicy } from "./policy";
import {
  inFlightResponse,
  invalidKeyResponse,
  keyReusedResponse,
  REPLAYED_HEADER,
  requestTooLargeResponse,
  responseNotStoredResponse,
  unavailableResponse,
} from "./problems";
import { readAtMost } from "./read-at-most";
import type { ClaimOptions, IdempotencyStore } from "./store";
import { restoreResponse } from "./stored-response";

export interface BeginInput {
  kit: GateKit;
  request: Request;
  /**
   * kit.config.ts route name and params (the fingerprint's "route") and the path relative to the API
   * base (the table's `path`; absent: the request's whole path, which never shares across mounts).
   */
  route: { name: string; params: Readonly<Record<string, string>>; path?: string | undefined };
  identity: Identity;
  policy: ResolvedIdempotencyPolicy;
  /** Receives background work: the release of a claim whose answer was lost (store.ts). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** A claim the caller must settle: complete with the response, or release. */
export interface ActiveClaim {
  recordKey: string;
  token: string;
  /** The in-flight lease, renewed while the handler runs (heartbeat.ts). */
  leaseMs?: number;
}

/** What happened, for counters and logs. */
export type BeginOutcome = "invalid-key" | "too-large" | "in-flight" | "mismatch" | "replayed" | "not-stored" | "unavailable";

export type BeginResult =
  /** Not covered (method) or no key on an optional route: run the handler plainly. */
  | { action: "skip"; reason: "method" | "no-key" }
  /** Answer without running the handler. */
  | { action: "respond"; response: Response; outcome: BeginOutcome }
  /** Run the handler, then settle the claim. */
  | { action: "proceed"; claim: ActiveClaim }
  /** Redis degraded under the "open" policy: run the handler without idempotency, and say so. */
  | { action: "bypass"; degraded: DegradedReason };

// Scopes are caller-controlled (user ids); past this many UTF-16 units they are hashed (see scopeKeyPart).
const MAX_PLAIN_SCOPE = 128;
/** The original usually finishes within a second; polling once a second costs one Redis call. */
const IN_FLIGHT_RETRY_AFTER_S = 1;

/**
 * The decision split in two (issue 10): `prepareIdempotentRequest` validates the key, reads and
 * fingerprints the body (all async CPU work, no Redis); `claim()` sends the claim (SET NX PX GET) before its
 * first await, so a caller can batch it with other gates' calls into one HTTP request.
 */
export type PreparedBegin =
  /** Decided without Redis: not covered, no/invalid key, body too large, no store (memory mode). */
  | { action: "decided"; result: BeginResult }
  /** Claims the key (one script, issued synchronously) and interprets the reply. */
  | { action: "claim"; recordKey: string; claim(): Promise<BeginResult> };

export async function beginIdempotentRequest(input: BeginInput): Promise<BeginResult> {
  const prepared = await prepareIdempotentRequest(input);
  return prepared.action === "decided" ? prepared.result : prepared.claim();
}

/** The first phase of {@link beginIdempotentRequest}: no Redis call is made here. */
export async function prepareIdempotentRequest(input: BeginInput): Promise<PreparedBegin> {
  const { kit, request, route, identity, policy } = input;
  const url = new URL(request.url);
  const instance = url.pathname;
  const decided = (result: BeginResult): PreparedBegin => ({ action: "decided", result });
  if (!policy.methods.includes(request.method.toUpperCase() as (typeof policy.methods)[number])) return decided({ action: "skip", reason: "method" });

  const parsed = parseIdempotencyKey(request.headers.get(IDEMPOTENCY_KEY_HEADER), policy.key);
  if (!parsed.ok) {
    if (parsed.problem === "missing" && !policy.required) return decided({ action: "skip", reason: "no-key" });
    return decided({ action: "respond", response: invalidKeyResponse(parsed.problem, parsed.detail, instance), outcome: "invalid-key" });
  }

  const body = await readBody(request, policy.maxRequestBytes);
  if (!body) return decided({ action: "respond", response: requestTooLargeResponse(policy.maxRequestBytes, instance), outcome: "too-large" });

  const scope = policy.scope(identity, request);
  const path = route.path ?? url.pathname;
  const [fingerprint, keyHash, scopePart] = await Promise.all([
    requestFingerprint({ method: request.method, route: route.name, params: route.params, path, search: url.search, scope, body }),
    // Hashed: fixed-size key parts whatever the client sends, and no encoding edge cases.
    sha256Base64Url(parsed.key),
    scopeKeyPart(scope),
  ]);
  const recordKey = kit.keys.idempotency(scopePart, keyHash);

  const store = kit.idempotency;
  if (!store) return decided(degradedAnswer(policy, "redis-error", undefined, instance));
  const claimOptions = { leaseMs: policy.leaseMs, failPolicy: policy.failPolicy, ...(input.waitUntil ? { waitUntil: input.waitUntil } : {}) };
  return { action: "claim", recordKey, claim: () => claimKey(store, recordKey, fingerprint, claimOptions, instance) };
}

async function claimKey(store: IdempotencyStore, recordKey: string, fingerprint: string, options: ClaimOptions, instance: string): Promise<BeginResult> {
  let claim: Awaited<ReturnType<IdempotencyStore["claim"]>>;
  try {
    // The command is sent synchronously by this call (guard → SET NX PX GET): keep no await before it.
    claim = await store.claim(recordKey, fingerprint, options);
  } catch (err) {
    // Only the fail-closed refusals become a 503 here; anything else (a bug) propagates as a 500.
    if (err instanceof KitError && (err.code === "E_REDIS_UNAVAILABLE" || err.code === "E_REDIS_TIMEOUT" || err.code === "E_CIRCUIT_OPEN")) {
      return degradedAnswer(options, err.code === "E_REDIS_TIMEOUT" ? "timeout" : err.code === "E_CIRCUIT_OPEN" ? "circuit-open" : "redis-error", err, instance);
    }
    throw err;
  }

  switch (claim.state) {
    case "claimed":
      return { action: "proceed", claim: { recordKey, token: claim.token, leaseMs: options.leaseMs } };
    case "bypassed":
      return { action: "bypass", degraded: claim.degraded };
    case "in-flight":
      return { action: "respond", response: inFlightResponse(IN_FLIGHT_RETRY_AFTER_S, instance), outcome: "in-flight" };
    case "mismatch":
      return { action: "respond", response: keyReusedResponse(instance), outcome: "mismatch" };
    case "completed": {
      const stored = claim.response;
      if (stored.omitted) {
        const response = responseNotStoredResponse(stored.s, stored.omitted.bytes, stored.omitted.limit, instance);
        response.headers.set(REPLAYED_HEADER, "true");
        return { action: "respond", response, outcome: "not-stored" };
      }
      return { action: "respond", response: restoreResponse(stored, { [REPLAYED_HEADER]: "true" }), outcome: "replayed" };
    }
  }
}

function degradedAnswer(policy: Pick<ResolvedIdempotencyPolicy, "failPolicy">, reason: DegradedReason, err: KitError | undefined, instance: string): BeginResult {
  if (policy.failPolicy === "open") return { action: "bypass", degraded: reason };
  const retryAfterMs = typeof err?.context.retryAfterMs === "number" ? err.context.retryAfterMs : 1000;
  const response = unavailableResponse(Math.max(1, Math.ceil(retryAfterMs / 1000)), err?.code ?? "E_REDIS_UNAVAILABLE", instance);
  return { action: "respond", response, outcome: "unavailable" };
}

/**
 * The body bytes (from a clone: the route still reads the original), or null past `limit`. Read as a
 * stream and abandoned one chunk past the limit: a chunked body without Content-Length is never
 * buffered whole just to be refused (413).
 */
async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const read = await readAtMost(request.clone().body, limit);
  return read.truncated ? null : read.body;
}

const encoder = new TextEncoder();
// Lone surrogates: TextEncoder turns each into U+FFFD, so distinct scopes would encode (and hash) alike.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The scope as a key part. Plain while it fits `keys.idempotency` (lib/keys: at most 512 bytes once
 * percent-encoded from UTF-8), hashed otherwise. The length that matters is in encoded BYTES: a
 * 60-character CJK user id is 180 UTF-8 bytes, 540 encoded, and used to be refused (400
 * E_INVALID_KEY_PART) on every idempotent request of that user. Scopes that were plain before stay
 * plain (the same record keys across a deploy), those over 128 UTF-16 units stay hashed.
 */
async function scopeKeyPart(scope: string): Promise<string> {
  if (LONE_SURROGATE.test(scope)) {
    // Not well-formed UTF-16: hash the code units themselves (lossless), behind a 0xFF byte that no
    // UTF-8 text contains, so this can never hash like a well-formed scope.
    const units = new Uint8Array(1 + scope.length * 2);
    units[0] = 0xff;
    for (let i = 0; i < scope.length; i++) {
      const unit = scope.charCodeAt(i);
      units[1 + 2 * i] = unit >> 8;
      units[2 + 2 * i] = unit & 0xff;
    }
    return sha256Base64Url(units);
  }
  if (scope.length > MAX_PLAIN_SCOPE || percentEncodedLength(scope) > MAX_KEY_PART_BYTES) return sha256Base64Url(scope);
  return scope;
}

/** The length of `text` as lib/keys encodes it: one byte per unreserved ASCII byte, three otherwise. */
function percentEncodedLength(text: string): number {
  let length = 0;
  for (const byte of encoder.encode(text)) length += UNRESERVED.test(String.fromCharCode(byte)) ? 1 : 3;
  return length;
}
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
