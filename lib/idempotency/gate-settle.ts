/**
 * The idempotency gate's `after` hook, for runtimes where the gates see the route's response (the
 * Hono `gates()` middleware: `createIdempotencyGate({ settle: settleAfterHandler })`). It settles the
 * claim as `withIdempotency` does on Next. Kept out of gate.ts so Next's middleware bundle, whose
 * gates never run it (the route settles), does not carry the settle path (edge bundle budget).
 */
import type { AfterHook } from "../gate";
import type { GateKit } from "../kit";
import type { ActiveClaim } from "./begin";
import { finishWithError, finishWithResponse } from "./finish";
import type { ResolvedIdempotencyPolicy } from "./policy";

/** Stores the handler's response under the claim, or releases the claim when the handler threw. */
export function settleAfterHandler(kit: GateKit, claim: ActiveClaim, policy: ResolvedIdempotencyPolicy): AfterHook {
  return async (response, { error }) => {
    if (error !== undefined) {
      await finishWithError(kit, claim);
      return response;
    }
    return (await finishWithResponse(kit, claim, policy, response)).response;
  };
}
