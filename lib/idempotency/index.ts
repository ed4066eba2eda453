/**
 * lib/idempotency: Idempotency-Key semantics (IETF draft -07, Stripe's replay marker) over Upstash.
 * Claim with a request fingerprint and an in-flight lease → complete with a response snapshot, or
 * release → replay. Next: `idempotencyGate` (middleware) + `withIdempotency` (route). Hono:
 * edge/middleware/idempotency.ts. Both call `beginIdempotentRequest` / `finishWith*`.
 */
export { createIdempotencyStore, IdempotencyRecordError } from "./store";
export type { IdempotencyStore, IdempotencyStoreDeps, ClaimOptions, ClaimResult, SettleResult } from "./store";
export {
  resolveIdempotencyPolicy,
  defaultIdempotencyScope,
  shouldStore,
  DEFAULT_REPLAY_HEADERS,
  NEVER_REPLAYED_HEADERS,
} from "./policy";
export type { IdempotencyPolicy, ResolvedIdempotencyPolicy, IdempotentMethod } from "./policy";
export { beginIdempotentRequest } from "./begin";
export type { BeginInput, BeginResult, BeginOutcome, ActiveClaim } from "./begin";
export { finishWithResponse, finishWithError } from "./finish";
export type { FinishPolicy, FinishOutcome, FinishResult } from "./finish";
export { idempotencyGate, createIdempotencyGate, type IdempotencyGateOptions, type IdempotencyGateSettle } from "./gate";
export { settleAfterHandler } from "./gate-settle";
export { withIdempotency, isIdempotencyWrapped } from "./with-idempotency";
export type { WithIdempotencyOptions, RouteHandler, IdempotentRouteHandler, IdempotentHandlerContext } from "./with-idempotency";
export { startClaimHeartbeat, startForwardedClaimHeartbeat, IdempotencyClaimLostError } from "./heartbeat";
export type { ClaimHeartbeat, HeartbeatOptions } from "./heartbeat";
export { FORWARDED_CLAIM_HEADER } from "./forwarded-claim";
export { requestFingerprint, sha256Base64Url } from "./fingerprint";
export type { FingerprintInput } from "./fingerprint";
export { snapshotResponse, restoreResponse, decodeStoredResponse } from "./stored-response";
export type { StoredResponse } from "./stored-response";
export { IDEMPOTENCY_COMPLETE, IDEMPOTENCY_RELEASE, IDEMPOTENCY_RENEW, IDEMPOTENCY_SCRIPTS } from "./scripts";
export { IDEMPOTENCY_PROBLEM_TYPES, REPLAYED_HEADER, IDEMPOTENCY_DEGRADED_HEADER } from "./problems";
