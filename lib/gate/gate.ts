/**
 * A gate decides, before the route runs, whether a request may go on (rate limit, idempotency claim,
 * cached-read lookup). Next's middleware.ts and the Hono `gates()` middleware both run the kit's gates
 * with `runGates`; gates are plain functions over Web Request/Response, so they run on any runtime.
 *
 * Two-phase gates (issue 10: one Redis round trip per gated request). A gate made by `defineGate` has
 * `prepare(ctx)`: all of its async CPU work (hashing identities, fingerprinting the body, building
 * keys) and NO Redis call. It answers either `decided` (no Redis needed: a cached denial, a 400, no
 * policy) or `issue`: a function that sends every Redis call the gate needs before its first `await`.
 * `runGates` prepares every gate, then issues them all in one synchronous loop, so @upstash/redis
 * auto-pipelining sends them as ONE `/pipeline` request. Calls share a request only if issued within
 * the client's two-microtask window (@upstash/redis 1.39 `AutoPipelineExecutor.deferExecution`), hence
 * "no await before the first call"; and every call the gates issue is a script or a write-class
 * command, because the client sends read-class commands (GET, MGET, HGETALL…) in a separate request.
 */
import type { GateKit } from "../kit";
import type { Identity } from "../http";
import type { MatchedRoute } from "../policy";
import type { RoutePolicy } from "../policy/route-policy";
import type { RateLimitDecision } from "../ratelimit/types";

/**
 * `K`: the kit the gates run on. Gates need only a GateKit (Next's middleware builds nothing more); a
 * gate whose `after` hook stores or settles through the whole Kit (Hono `gates()`) is a `Gate<Kit>`.
 */
export interface GateContext<K extends GateKit = GateKit> {
  kit: K;
  request: Request;
  route: MatchedRoute<RoutePolicy>;
  identity: Identity;
  /** Hand work that must outlive the response to the platform (Next `event.waitUntil`, workerd ctx). */
  waitUntil: (promise: Promise<unknown>) => void;
}

/** Values a gate exposes to the app (Hono: `c.var.rateLimit`). */
export interface GateVariables {
  rateLimit?: RateLimitDecision;
}

/**
 * Runs after the route answered, where the runtime can see the response (Hono; Next's middleware
 * cannot — there the route wrappers `withIdempotency` / `withCachedResponse` do this step).
 * `error` is the error the handler threw, if any. Returns the response to send.
 */
export type AfterHook = (response: Response, failure: { error?: unknown }) => Promise<Response>;

export type GateOutcome =
  /** Answer now; the route does not run (429, 409, replay, cache HIT…). */
  | { action: "respond"; response: Response; variables?: GateVariables }
  /**
   * Let the request through. `responseHeaders` are added to whatever the route answers (RateLimit
   * fields, x-cache: MISS); `requestHeaders` are forwarded to the route (e.g. an idempotency claim token; an empty value removes the field).
   */
  | { action: "continue"; responseHeaders?: Headers; requestHeaders?: Headers; after?: AfterHook; variables?: GateVariables };

/** What an issued gate hands back once its Redis reply is in. */
export interface IssuedGate {
  /** The gate's answer; called only when every earlier gate let the request through. */
  decide(): GateOutcome | Promise<GateOutcome>;
  /**
   * Called instead of `decide` when an earlier gate answered: give back what the batch took
   * speculatively (an idempotency claim, a cache fill lease). Runs through `waitUntil`, off the
   * response's critical path. Must not reject.
   */
  discard?(): Promise<unknown> | undefined;
}

export type PreparedGate =
  /**
   * Decided without Redis. A `respond` here stops the gates after this one from being issued.
   * `used` runs only if this outcome is reached (every earlier gate continued): count it there.
   */
  | { kind: "decided"; outcome: GateOutcome; used?: () => void }
  /** Sends this gate's Redis calls synchronously (before its first await) and resolves with the reply. */
  | { kind: "issue"; issue(): Promise<IssuedGate> };

/**
 * A gate: callable on its own (prepare → issue → decide), and batchable by `runGates` when it has
 * `prepare`. A plain `async (ctx) => outcome` function is a gate too; `runGates` runs it in order,
 * only when every gate before it continued (its Redis calls then cost their own round trips).
 */
export interface Gate<K extends GateKit = GateKit> {
  (ctx: GateContext<K>): Promise<GateOutcome>;
  readonly prepare?: (ctx: GateContext<K>) => Promise<PreparedGate>;
}

/** Builds a two-phase gate; see the module comment for the contract of `prepare` and `issue`. */
export function defineGate<K extends GateKit = GateKit>(name: string, prepare: (ctx: GateContext<K>) => Promise<PreparedGate>): Gate<K> {
  const gate = async (ctx: GateContext<K>): Promise<GateOutcome> => {
    const prepared = await prepare(ctx);
    if (prepared.kind === "decided") {
      prepared.used?.();
      return prepared.outcome;
    }
    return (await prepared.issue()).decide();
  };
  Object.defineProperty(gate, "name", { value: name });
  return Object.assign(gate, { prepare });
}
