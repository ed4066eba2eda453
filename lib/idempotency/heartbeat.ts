/**
 * The in-flight claim's heartbeat. The claim's lease is what tells a retry "the first request is
 * still running" (409, draft-ietf-httpapi-idempotency-key-header-07 §2.7) instead of "it crashed,
 * run it again". Fixed at claim time, it lapsed under any handler slower than it: with a 300 ms
 * lease and a 700 ms handler, three requests with one key ran the side effect three times. So while
 * the handler runs, the claimer pushes the lease ahead every lease/3 with a token-checked PEXPIRE
 * (IDEMPOTENCY_RENEW, the owner check of lib/lock's extend), and stops when the handler is done.
 *
 * A crashed instance stops renewing with it, so the lease still frees the key after a crash. Timers
 * do not fire while a serverless instance is frozen (reference §5 failure mode 4): a frozen handler
 * can still outlive its lease. When a renewal finds the claim gone, or cannot confirm it before the
 * lease's deadline, that is made visible: a warning, the `claim-lost` counter and `signal` aborting
 * with IdempotencyClaimLostError (the handler may stop before its side effect, or pass the signal on).
 */
import { KitError } from "../errors";
import { deferCounts } from "../gate";
import type { GateKit } from "../kit";
import type { ActiveClaim } from "./begin";
import { decodeForwardedState, FORWARDED_CLAIM_HEADER } from "./forwarded-claim";

/** The claim was lost (or could not be confirmed) while its handler ran: a retry may run it again. */
export class IdempotencyClaimLostError extends KitError {
  constructor(recordKey: string, why: "taken" | "unconfirmed") {
    const detail = why === "taken" ? "the lease lapsed or the record was released" : "it could not be renewed before its lease ended";
    super("E_IDEMPOTENCY_CLAIM_LOST", `Idempotency claim on ${recordKey} was lost while its handler ran: ${detail}`, { context: { recordKey, why } });
  }
}

export interface ClaimHeartbeat {
  /** Aborts with IdempotencyClaimLostError once the claim is known lost or unconfirmable. */
  readonly signal: AbortSignal;
  /** Stops renewing (call it when the handler is done, before settling); idempotent. */
  stop(): void;
}

export interface HeartbeatOptions {
  /** Receives a renewal still in flight at `stop()`, so it is not frozen mid-request. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** Renews `claim` every `leaseMs / 3` until `stop()`. A claim without `leaseMs` (or no store) is not renewed. */
export function startClaimHeartbeat(kit: GateKit, claim: ActiveClaim, options: HeartbeatOptions = {}): ClaimHeartbeat {
  const controller = new AbortController();
  const store = kit.idempotency;
  const leaseMs = claim.leaseMs;
  if (!store || !leaseMs) return { signal: controller.signal, stop: () => undefined };

  const interval = Math.max(10, Math.floor(leaseMs / 3));
  // Until a renewal confirms it, the lease is assumed to run from here; it was granted one round trip
  // earlier, so this errs late by that much (it only bounds how long an unreachable Redis is retried).
  let validUntil = kit.clock.now() + leaseMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let done = false;

  const lose = (why: "taken" | "unconfirmed") => {
    if (controller.signal.aborted) return;
    const error = new IdempotencyClaimLostError(claim.recordKey, why);
    console.warn(`[edge-kit] ${error.message}; a retry with this key may run the handler again.`);
    deferCounts(kit, "idempotency", { "claim-lost": 1 });
    controller.abort(error);
  };
  const arm = (ms: number) => {
    if (!done) timer = setTimeout(() => void (inFlight = renew()), Math.max(0, ms));
  };
  const renew = async (): Promise<void> => {
    const sentAt = kit.clock.now();
    const result = await store.renew(claim.recordKey, claim.token, leaseMs).catch((error: unknown) => ({ applied: false, error }));
    if (done) return; // settled meanwhile: a 0 now only means "completed", not "lost"
    if (result.applied) {
      validUntil = sentAt + leaseMs;
      arm(interval);
    } else if ("degraded" in result && result.degraded) {
      // Unreachable: keep trying until the lease's own deadline; past it nobody can say we hold it.
      const left = validUntil - kit.clock.now();
      if (left <= 0) lose("unconfirmed");
      else arm(Math.min(interval, left));
    } else {
      if ("error" in result) console.error(`[edge-kit] idempotency: renewing ${claim.recordKey} failed`, result.error);
      lose("taken");
    }
  };
  arm(interval);

  return {
    signal: controller.signal,
    stop() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (inFlight) options.waitUntil?.(inFlight);
    },
  };
}

/**
 * The heartbeat of the claim the idempotency gate forwarded in `requestHeaders` (the Hono `gates()`
 * middleware; Next's route wrapper reads the same header), or undefined when the gate claimed nothing.
 */
export function startForwardedClaimHeartbeat(kit: GateKit, requestHeaders: Headers, options: HeartbeatOptions = {}): ClaimHeartbeat | undefined {
  const state = decodeForwardedState(requestHeaders.get(FORWARDED_CLAIM_HEADER));
  if (state?.kind !== "claim") return undefined;
  return startClaimHeartbeat(kit, { recordKey: state.claim.k, token: state.claim.t, leaseMs: state.claim.leaseMs }, options);
}
