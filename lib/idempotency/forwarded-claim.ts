/**
 * How Next's middleware hands its decision to the route wrapper. Middleware cannot see the route's
 * response (vercel/next.js #61429, #67442), so the gate claims the key and forwards the claim in a
 * request header; `withIdempotency` completes or releases it once the handler has answered.
 *
 * The gate sets the header on EVERY request of a route under an idempotency policy, overwriting
 * whatever the client sent, so a route never trusts a client-supplied value; and a wrapped route
 * that receives no header at all knows the gate did not run (a matcher or policy-table mistake).
 * A forged claim is harmless anyway: completing or releasing needs the random claim token.
 */
import { base64UrlToBytes, bytesToBase64Url } from "./base64";
import type { ResolvedIdempotencyPolicy } from "./policy";

export const FORWARDED_CLAIM_HEADER = "x-edge-kit-idempotency";

/** What the route wrapper needs to finish a claim, without the policy table. */
export interface ForwardedClaim {
  v: 1;
  /** Redis key of the record. */
  k: string;
  /** Claim token. */
  t: string;
  retentionMs: number;
  serverErrors: ResolvedIdempotencyPolicy["serverErrors"];
  clientErrors: ResolvedIdempotencyPolicy["clientErrors"];
  maxResponseBytes: number;
  replayHeaders: readonly string[];
  /** The in-flight lease, renewed while the route runs. Optional: a header from an older gate has none. */
  leaseMs?: number;
}

/** Why the gate let a request through without a claim. */
export type PassReason = "no-key" | "method" | "degraded";

export type ForwardedState = { kind: "claim"; claim: ForwardedClaim } | { kind: "pass"; reason: PassReason };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeForwardedState(state: ForwardedState): string {
  if (state.kind === "pass") return `pass;${state.reason}`;
  return `claim;${bytesToBase64Url(encoder.encode(JSON.stringify(state.claim)))}`;
}

/** `undefined` when the header is absent or unreadable: treat as "the gate did not run". */
export function decodeForwardedState(value: string | null): ForwardedState | undefined {
  if (!value) return undefined;
  if (value === "pass;no-key" || value === "pass;method" || value === "pass;degraded") {
    return { kind: "pass", reason: value.slice(5) as PassReason };
  }
  if (!value.startsWith("claim;")) return undefined;
  try {
    const claim = JSON.parse(decoder.decode(base64UrlToBytes(value.slice(6)))) as Partial<ForwardedClaim>;
    const valid =
      claim.v === 1 &&
      typeof claim.k === "string" &&
      typeof claim.t === "string" &&
      typeof claim.retentionMs === "number" &&
      (claim.serverErrors === "release" || claim.serverErrors === "store") &&
      (claim.clientErrors === "release" || claim.clientErrors === "store") &&
      typeof claim.maxResponseBytes === "number" &&
      Array.isArray(claim.replayHeaders) &&
      (claim.leaseMs === undefined || (typeof claim.leaseMs === "number" && claim.leaseMs > 0));
    return valid ? { kind: "claim", claim: claim as ForwardedClaim } : undefined;
  } catch {
    // Not base64url JSON: a client-forged or truncated value, handled as "no gate ran".
    return undefined;
  }
}
