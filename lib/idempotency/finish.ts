/**
 * The step after the handler: store its response for replay, or release the claim so a retry runs
 * again. Shared by `withIdempotency` (Next) and the Hono middleware.
 *
 * Completion is awaited before the response is returned: once a client has seen the response, every
 * retry replays it (with a background write, a quick retry could still meet the in-flight 409).
 * A settle that fails (Redis down after the handler ran) never changes the caller's response: the
 * record stays in flight until its lease lapses, then a retry runs the handler again. That gap is
 * inherent to any store outside the handler's own transaction; it is reported, never silent.
 */
import { deferCounts, flushDeferredCounts } from "../gate";
import type { GateKit } from "../kit";
import type { DegradedReason } from "../resilience";
import type { ActiveClaim } from "./begin";
import { shouldStore, type ResolvedIdempotencyPolicy } from "./policy";
import { IDEMPOTENCY_DEGRADED_HEADER } from "./problems";
import { snapshotResponse } from "./stored-response";

export type FinishPolicy = Pick<ResolvedIdempotencyPolicy, "retentionMs" | "serverErrors" | "clientErrors" | "maxResponseBytes" | "replayHeaders">;

/** How the claim was settled, for counters, logs and tests. */
export type FinishOutcome = "stored" | "stored-without-body" | "released" | "lost" | "settle-failed";

export interface FinishResult {
  /** The response to send (the handler's, with `x-idempotency-degraded` when settling failed). */
  response: Response;
  outcome: FinishOutcome;
}

/** Settles `claim` with the handler's response. */
export async function finishWithResponse(kit: GateKit, claim: ActiveClaim, policy: FinishPolicy, response: Response): Promise<FinishResult> {
  const store = kit.idempotency;
  if (!store) return { response, outcome: "settle-failed" };
  if (!shouldStore(response.status, policy)) {
    const released = await withDueCounts(kit, store.release(claim.recordKey, claim.token));
    return settled(kit, claim, response, released, "released");
  }
  const snapshot = await snapshotResponse(response, policy);
  const completed = await withDueCounts(kit, store.complete(claim.recordKey, claim.token, snapshot, policy.retentionMs));
  return settled(kit, claim, response, completed, snapshot.omitted ? "stored-without-body" : "stored");
}

/** Releases `claim` after the handler threw: there is no response to replay, a retry runs again. */
export async function finishWithError(kit: GateKit, claim: ActiveClaim): Promise<FinishOutcome> {
  const store = kit.idempotency;
  if (!store) return "settle-failed";
  const released = await withDueCounts(kit, store.release(claim.recordKey, claim.token));
  return settled(kit, claim, null, released, "released").outcome;
}

/**
 * Issue 10: counters buffered in this isolate ride the settle's HTTP request (issued in the same tick
 * as `settle`, which was just sent), instead of one request of their own per response.
 */
async function withDueCounts<T>(kit: GateKit, settle: Promise<T>): Promise<T> {
  const counts = flushDeferredCounts(kit);
  const [result] = await Promise.all([settle, counts]);
  return result;
}

function settled(
  kit: GateKit,
  claim: ActiveClaim,
  response: Response | null,
  result: { applied: boolean; degraded?: DegradedReason },
  success: FinishOutcome,
): FinishResult & { response: Response } {
  let outcome: FinishOutcome = success;
  let out = response ?? new Response(null);
  if (result.degraded) {
    outcome = "settle-failed";
    console.warn(
      `[edge-kit] idempotency: could not ${success === "released" ? "release" : "complete"} ${claim.recordKey} (${result.degraded}); ` +
        "the record stays in flight until its lease expires, then a retry runs the handler again.",
    );
    if (response) out = withHeader(response, IDEMPOTENCY_DEGRADED_HEADER, result.degraded);
  } else if (!result.applied) {
    // Our lease lapsed and another attempt took the key (or it was released): its record wins.
    outcome = "lost";
    console.warn(`[edge-kit] idempotency: claim on ${claim.recordKey} was lost (lease expired before the handler finished); response not stored.`);
  }
  deferCounts(kit, "idempotency", { [outcome]: 1 });
  return { response: out, outcome };
}

function withHeader(response: Response, name: string, value: string): Response {
  const headers = new Headers(response.headers);
  headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
