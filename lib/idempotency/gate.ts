/**
 * `idempotencyGate`: the gate half of idempotency (middleware.ts GATES and the Hono `gates()`
 * middleware, after the rate limit, before the cache). It answers 400/409/410/413/422/503 and replays
 * completed responses; otherwise it claims the key. On Next the claim is forwarded to the route,
 * whose `withIdempotency` wrapper stores the response (middleware cannot see it: vercel/next.js
 * #61429); on Hono the gate's `after` hook does the same once the handler has answered — supplied as
 * `createIdempotencyGate({ settle: settleAfterHandler })` (gate-settle.ts), so Next's middleware
 * bundle carries no settle path it can never run.
 *
 * Batched with the rate limit (issue 10): the claim (one SET NX PX GET) rides in the same HTTP request as the
 * limiter calls, so the claim is taken BEFORE the rate limit's answer is known. When the rate limit
 * refuses, `discard` releases the claim through waitUntil (token-checked: only this claim, and only
 * while still in flight). Why not a claim conditional on the limiter, in one script: the limiter is
 * @upstash/ratelimit's own script, whose algorithms the kit deliberately does not re-implement, and a
 * script cannot call another script. The speculative claim is harmless: it is visible only to a retry
 * with the same key during that one extra round trip (it gets 409 + Retry-After: 1, the draft's
 * answer for a request being processed), the release costs one request off the critical path and
 * only on a first denial (repeat offenders are refused from the isolate's cache before anything is
 * sent), and if the release itself fails the claim lapses with its lease, as after a crash.
 *
 * While the route runs, the claim's lease is renewed (heartbeat.ts) by whoever runs the handler: Next's
 * `withIdempotency`, or the Hono `gates()` middleware around `next()` — both from the forwarded claim,
 * never here, since on Next this gate runs in middleware, which is done before the route starts.
 */
import { defineGate, deferCounts, flushDeferredCounts, type AfterHook, type Gate, type GateContext, type GateOutcome, type PreparedGate } from "../gate";
import type { GateKit } from "../kit";
import type { ActiveClaim, BeginResult } from "./begin";
import { prepareIdempotentRequest } from "./begin";
import { encodeForwardedState, FORWARDED_CLAIM_HEADER, type ForwardedState } from "./forwarded-claim";
import { resolveIdempotencyPolicy, type ResolvedIdempotencyPolicy } from "./policy";
import { IDEMPOTENCY_DEGRADED_HEADER } from "./problems";

/** Makes the hook that settles the claim once the handler answered (or threw). */
export type IdempotencyGateSettle = (kit: GateKit, claim: ActiveClaim, policy: ResolvedIdempotencyPolicy) => AfterHook;

export interface IdempotencyGateOptions {
  /**
   * For runtimes that see the route's response (Hono `gates()`: `settleAfterHandler` from
   * ./gate-settle). Omitted (Next's middleware.ts): no `after` hook — the route's `withIdempotency`
   * settles the forwarded claim instead.
   */
  settle?: IdempotencyGateSettle;
}

/** The gate with default options (no `after` hook: the route settles), for middleware.ts GATES. */
export const idempotencyGate = createIdempotencyGate();

/** Creates the gate; `idempotencyGate` is the default instance. */
export function createIdempotencyGate(options: IdempotencyGateOptions = {}): Gate {
  return defineGate("idempotencyGate", (ctx) => prepareGate(ctx, options.settle));
}

async function prepareGate(ctx: GateContext, settle: IdempotencyGateSettle | undefined): Promise<PreparedGate> {
  const configured = ctx.route.policy.idempotency;
  if (!configured) return { kind: "decided", outcome: { action: "continue" } };
  const policy = resolveIdempotencyPolicy(configured, ctx.kit.config);
  const prepared = await prepareIdempotentRequest({
    kit: ctx.kit,
    request: ctx.request,
    route: ctx.route,
    identity: ctx.identity,
    policy,
    waitUntil: ctx.waitUntil,
  });
  if (prepared.action === "decided") {
    const { outcome, count } = outcomeOf(ctx, policy, prepared.result, settle);
    return { kind: "decided", outcome, used: count };
  }
  return {
    kind: "issue",
    async issue() {
      const result = await prepared.claim();
      return {
        decide() {
          const { outcome, count } = outcomeOf(ctx, policy, result, settle);
          count();
          return outcome;
        },
        discard: () => (result.action === "proceed" ? releaseUnused(ctx, result.claim) : undefined),
      };
    },
  };
}

function outcomeOf(ctx: GateContext, policy: ResolvedIdempotencyPolicy, result: BeginResult, settle: IdempotencyGateSettle | undefined): { outcome: GateOutcome; count: () => void } {
  const { kit } = ctx;
  const forward = (state: ForwardedState, extra: Omit<Extract<GateOutcome, { action: "continue" }>, "action"> = {}): GateOutcome => ({
    action: "continue",
    // Always set, so a client-sent header never reaches the route (see forwarded-claim.ts).
    requestHeaders: new Headers({ [FORWARDED_CLAIM_HEADER]: encodeForwardedState(state) }),
    ...extra,
  });
  const none = () => undefined;

  switch (result.action) {
    case "respond":
      return { outcome: { action: "respond", response: result.response }, count: () => deferCounts(kit, "idempotency", { [result.outcome]: 1 }) };
    case "skip":
      return { outcome: forward({ kind: "pass", reason: result.reason }), count: none };
    case "bypass":
      return {
        outcome: forward({ kind: "pass", reason: "degraded" }, { responseHeaders: new Headers({ [IDEMPOTENCY_DEGRADED_HEADER]: result.degraded }) }),
        count: () => {
          console.warn(`[edge-kit] idempotency degraded (${result.degraded}) on ${ctx.route.name}: running without idempotency (fail-open).`);
          deferCounts(kit, "idempotency", { bypassed: 1 });
        },
      };
    case "proceed": {
      const claim = result.claim;
      // Not counted here: the settle step counts its outcome (stored/released/lost…), once per request.
      const outcome = forward(
        {
          kind: "claim",
          claim: {
            v: 1,
            k: claim.recordKey,
            t: claim.token,
            retentionMs: policy.retentionMs,
            serverErrors: policy.serverErrors,
            clientErrors: policy.clientErrors,
            maxResponseBytes: policy.maxResponseBytes,
            replayHeaders: policy.replayHeaders,
            leaseMs: policy.leaseMs,
          },
        },
        // Where the runtime sees the response (Hono): settle the claim as withIdempotency does on Next.
        settle ? { after: settle(kit, claim, policy) } : {},
      );
      return { outcome, count: none };
    }
  }
}

/** An earlier gate refused: give the claim back so the client's retry runs normally. */
async function releaseUnused(ctx: GateContext, claim: ActiveClaim): Promise<void> {
  const store = ctx.kit.idempotency;
  if (!store) return;
  const released = store.release(claim.recordKey, claim.token);
  const counts = flushDeferredCounts(ctx.kit);
  const result = await released;
  if (result.degraded) {
    console.warn(`[edge-kit] idempotency: could not release the unused claim on ${claim.recordKey} (${result.degraded}); it lapses with its lease.`);
  }
  deferCounts(ctx.kit, "idempotency", { discarded: 1 });
  await counts;
}
