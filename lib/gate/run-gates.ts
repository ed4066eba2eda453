/**
 * `runGates`: every gate of a request in ONE Redis round trip (issue 10).
 *
 * 1. prepare — all gates at once: hashing, body fingerprint, key building; no Redis call.
 * 2. issue — one synchronous loop: each reachable gate sends its calls (scripts and write-class
 *    commands only), plus any due deferred counters, so auto-pipelining sends one `/pipeline` request.
 *    A gate that decided "respond" in prepare (a cached denial, a 400) stops the loop: the gates after
 *    it send nothing, exactly as if they had run in turn. A cached denial therefore costs no request.
 * 3. decide — in gate order, as the replies come in; the first "respond" wins. The gates after it
 *    had already sent their calls in the batch: each gives back what it took (`discard`: release the
 *    idempotency claim or the fill lease) through waitUntil, off the critical path.
 *
 * The result is what running the gates one after another would give, except that the later gates'
 * speculative writes exist for one round trip (see lib/idempotency/gate.ts and lib/cache/gate.ts for
 * why that is harmless), in exchange for 1 HTTP request instead of one per gate.
 */
import type { GateKit } from "../kit";
import { flushDeferredCounts } from "./deferred-counts";
import type { AfterHook, Gate, GateContext, GateOutcome, GateVariables, IssuedGate, PreparedGate } from "./gate";

export interface GatesResult {
  action: "respond" | "continue";
  response?: Response;
  responseHeaders: Headers;
  requestHeaders: Headers;
  /** After-the-route steps of the gates that let the request through, in gate order (run them in reverse). */
  after: AfterHook[];
  variables: GateVariables;
}

/** Runs `gates` for one request; see the module comment. */
export async function runGates<K extends GateKit>(gates: readonly Gate<K>[], ctx: GateContext<K>): Promise<GatesResult> {
  const prepared = await Promise.all(gates.map((gate) => (gate.prepare ? gate.prepare(ctx) : Promise.resolve(inOrder(gate, ctx)))));

  // ---- one tick: every Redis call below is issued before the first await ----
  const steps: Array<Promise<IssuedGate>> = [];
  let issuedAny = false;
  for (const step of prepared) {
    if (step.kind === "decided") {
      steps.push(Promise.resolve({ decide: () => (step.used?.(), step.outcome) }));
      if (step.outcome.action === "respond") break;
      continue;
    }
    const issued = step.issue();
    // Marks the promise handled now: a gate that fails while an earlier one is still awaited must not
    // be reported as an unhandled rejection; its error is rethrown (or discarded) where it is awaited.
    issued.then(undefined, () => undefined);
    steps.push(issued);
    issuedAny = true;
  }
  // Counters buffered by earlier requests ride this request's batch (0 extra requests); never on a
  // path that sends nothing else, so a cached denial stays at zero.
  const counts = issuedAny ? flushDeferredCounts(ctx.kit) : undefined;
  if (counts) ctx.waitUntil(counts);

  const responseHeaders = new Headers();
  const requestHeaders = new Headers();
  const after: AfterHook[] = [];
  const variables: GateVariables = {};
  for (let i = 0; i < steps.length; i++) {
    let outcome: GateOutcome;
    try {
      outcome = await (await steps[i]!).decide();
    } catch (err) {
      discardFrom(steps, i + 1, ctx);
      throw err;
    }
    Object.assign(variables, outcome.variables);
    if (outcome.action === "respond") {
      discardFrom(steps, i + 1, ctx);
      return { action: "respond", response: withHeaders(outcome.response, responseHeaders), responseHeaders, requestHeaders, after: [], variables };
    }
    outcome.responseHeaders?.forEach((value, name) => responseHeaders.set(name, value));
    outcome.requestHeaders?.forEach((value, name) => requestHeaders.set(name, value));
    if (outcome.after) after.push(outcome.after);
  }
  return { action: "continue", responseHeaders, requestHeaders, after, variables };
}

/** A plain function gate: runs at decide time, only if every gate before it continued. */
function inOrder<K extends GateKit>(gate: Gate<K>, ctx: GateContext<K>): PreparedGate {
  return { kind: "issue", issue: () => Promise.resolve({ decide: () => gate(ctx) }) };
}

/** Gives back what the gates after the deciding one took in the batch (off the critical path). */
function discardFrom(steps: ReadonlyArray<Promise<IssuedGate>>, from: number, ctx: GateContext): void {
  for (const step of steps.slice(from)) {
    ctx.waitUntil(
      step
        .then((issued) => issued.discard?.())
        .catch((err: unknown) => console.warn("[edge-kit] a gate after the deciding one failed; its batch work was not given back:", err)),
    );
  }
}

/** A copy of `response` with `extra` headers added where the response does not set them itself. */
export function withHeaders(response: Response, extra: Headers): Response {
  let added = false;
  const headers = new Headers(response.headers);
  extra.forEach((value, name) => {
    if (!headers.has(name)) {
      headers.set(name, value);
      added = true;
    }
  });
  return added ? new Response(response.body, { status: response.status, statusText: response.statusText, headers }) : response;
}
