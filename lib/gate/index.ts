/**
 * lib/gate: the request gates (rate limit → idempotency → cache) and their runner. `runGates` batches
 * two-phase gates (`defineGate`) into one Redis round trip; see run-gates.ts.
 */
export { defineGate } from "./gate";
export type { AfterHook, Gate, GateContext, GateOutcome, GateVariables, IssuedGate, PreparedGate } from "./gate";
export { runGates, withHeaders, type GatesResult } from "./run-gates";
export { deferCounts, deferIncrements, flushDeferredCounts, FLUSH_EVERY_MS } from "./deferred-counts";
export { isInternalRequest, signInternalRequest, INTERNAL_REQUEST_HEADER, INTERNAL_REQUEST_TTL_MS } from "./internal-request";
