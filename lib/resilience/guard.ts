/**
 * `guard()` — the one place in the kit that catches Redis failures (code-style pattern 6).
 * It applies the time budget, the circuit breaker and the caller's fail policy, and says so in
 * the result (`degraded`) and in an event: nothing degrades silently (anti-patterns 3 and 4).
 */
import { systemClock, type Clock } from "../clock";
import { CircuitOpenError, RedisCommandError, RedisTimeoutError, RedisUnavailableError } from "../errors";
import { redisErrorReply } from "../redis";
import type { CircuitBreaker } from "./circuit-breaker";
import { classifyRedisError, isRequestSizeRefusal } from "./classify-redis-error";
import type { DegradedReason, EmitResilienceEvent, FailPolicy } from "./events";

/** Options every policy shares. */
export interface GuardCommonOptions {
  /** Operation name for events and errors, e.g. `"cache.get"`. */
  name: string;
  /**
   * Budget for the whole operation. When it runs out the guard answers per policy at once and
   * does not wait for the operation (its signal is aborted; see {@link GuardOperation}).
   */
  timeoutMs: number;
  /** Shared breaker; `false` or absent = no breaker (config `breaker: false`). */
  breaker?: CircuitBreaker | false;
  /** Receives `redis.degraded`, `redis.command-error` and `redis.late-failure` events. */
  emit?: EmitResilienceEvent;
  /** @default systemClock (only measures `elapsedMs` in events; the budget uses timers) */
  clock?: Clock;
}

/** The policies as a discriminated union: each carries exactly what it needs, nothing else. */
export type GuardPolicyOptions<T> =
  | {
      failPolicy: "open";
      /** The answer when degraded (e.g. "allowed", "cache miss"); the result is marked `degraded`. */
      fallback: (reason: DegradedReason) => T;
      local?: never;
    }
  | {
      /** Degraded → throws RedisTimeoutError / RedisUnavailableError / CircuitOpenError (HTTP 503). */
      failPolicy: "closed";
      fallback?: never;
      local?: never;
    }
  | {
      failPolicy: "local";
      /** A per-instance in-memory stand-in computes the answer (not shared across instances). */
      local: (reason: DegradedReason) => T | Promise<T>;
      fallback?: never;
    };

export type GuardOptions<T> = GuardCommonOptions & GuardPolicyOptions<T>;

export type GuardResult<T> = { value: T; degraded?: undefined } | { value: T; degraded: DegradedReason };

/**
 * The guarded work. `signal` aborts when the budget runs out: pass it to any `fetch` and check it
 * between steps (`signal.throwIfAborted()`). @upstash/redis commands take no per-call signal;
 * their in-flight request is bounded by the client's own `commandTimeoutMs` (createRedis).
 */
export type GuardOperation<T> = (signal: AbortSignal) => Promise<T>;

/**
 * Runs `operation` against Redis under a budget, a breaker and a fail policy.
 *
 * - success → `{ value }`
 * - timeout / transport failure / open circuit → `redis.degraded` event, then per policy:
 *   `open` → `{ value: fallback(reason), degraded }`, `local` → `{ value: await local(reason), degraded }`,
 *   `closed` → throws a KitError (E_REDIS_TIMEOUT / E_REDIS_UNAVAILABLE / E_CIRCUIT_OPEN, with
 *   `context.retryAfterMs` when the breaker is open)
 * - Redis error reply (WRONGTYPE…) → throws RedisCommandError under every policy; it is a bug,
 *   not an outage, so it does not trip the breaker
 * - anything else the operation throws → rethrown untouched
 *
 * @example
 * const { value, degraded } = await guard((signal) => redis.get(key), {
 *   name: "cache.get", timeoutMs: 300, failPolicy: "open", fallback: () => null, breaker, emit,
 * });
 */
export function guard<T>(
  operation: GuardOperation<T>,
  options: GuardCommonOptions & { failPolicy: "closed"; fallback?: never; local?: never },
): Promise<{ value: T; degraded?: undefined }>;
export function guard<T>(operation: GuardOperation<T>, options: GuardOptions<T>): Promise<GuardResult<T>>;
export async function guard<T>(operation: GuardOperation<T>, options: GuardOptions<T>): Promise<GuardResult<T>> {
  const { name, timeoutMs, emit, clock = systemClock } = options;
  // Validated before the breaker is asked, so a bad call cannot consume a half-open trial.
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`guard(${name}): timeoutMs must be > 0, got ${timeoutMs}`);
  const breaker = options.breaker || undefined;
  const startedAt = clock.now();

  if (breaker && !breaker.canAttempt()) return degrade(options, "circuit-open", undefined, startedAt, breaker);

  try {
    const value = await withBudget(operation, name, timeoutMs, emit, breaker && startTurnKey());
    breaker?.onSuccess();
    return { value };
  } catch (err) {
    const kind = classifyRedisError(err);
    if (kind === "unknown") throw err;
    if (kind === "command") {
      // Redis answered, so it is reachable: this closes a half-open circuit too.
      breaker?.onSuccess();
      const code = redisErrorReply(err)?.code;
      emit?.({ type: "redis.command-error", operation: name, code, error: err });
      if (err instanceof RedisCommandError) throw err;
      throw new RedisCommandError(`${name}: Redis rejected the command: ${errorText(err)}`, {
        cause: err,
        context: { operation: name, replyCode: code },
      });
    }
    // An oversized request refused by Upstash degrades per policy, but Redis answered: counting it as a
    // failure would let a few oversized writes open the circuit for every feature and every caller.
    if (isRequestSizeRefusal(err)) breaker?.onSuccess();
    // A guard's own timeout counts once per start turn (see startTurnKey); anything else once per error object.
    else breaker?.onFailure(timeoutKeys.get(err as object) ?? err);
    return degrade(options, kind === "timeout" ? "timeout" : "redis-error", err, startedAt, breaker);
  }
}

async function degrade<T>(
  options: GuardOptions<T>,
  reason: DegradedReason,
  error: unknown,
  startedAt: number,
  breaker: CircuitBreaker | undefined,
): Promise<GuardResult<T>> {
  const { name, emit, clock = systemClock } = options;
  emit?.({
    type: "redis.degraded",
    operation: name,
    reason,
    failPolicy: options.failPolicy satisfies FailPolicy,
    ...(error === undefined ? {} : { error }),
    elapsedMs: clock.now() - startedAt,
  });
  switch (options.failPolicy) {
    case "open":
      return { value: options.fallback(reason), degraded: reason };
    case "local":
      return { value: await options.local(reason), degraded: reason };
    case "closed":
      throw closedError(name, options.timeoutMs, reason, error, breaker);
  }
}

function closedError(
  name: string,
  timeoutMs: number,
  reason: DegradedReason,
  error: unknown,
  breaker: CircuitBreaker | undefined,
): Error {
  const retryAfterMs = breaker?.retryAfterMs();
  if (reason === "circuit-open") return new CircuitOpenError(name, retryAfterMs ?? 0);
  const context = { operation: name, ...(retryAfterMs ? { retryAfterMs } : {}) };
  if (reason === "timeout") {
    return error instanceof RedisTimeoutError ? error : new RedisTimeoutError(name, timeoutMs, { cause: error, context });
  }
  return new RedisUnavailableError(`${name}: Redis unavailable: ${errorText(error)}`, { cause: error, context });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Guard timeouts of guards that STARTED in the same event-loop turn are ONE breaker failure.
 *
 * Why: kit guards budget exactly the client's per-request timeout (kitGuardOptions), and a guard's
 * timer starts before its command is sent, so it fires before the client aborts the request. The
 * callers whose commands @upstash/redis auto-pipelined into one HTTP request issued them in one turn
 * (the client flushes after two microtasks); without this, each reported its own RedisTimeoutError and
 * one slow request counted once per caller: five gated features of one page view met the default
 * threshold and opened the circuit alone. Failures the client reports itself (abort, 5xx) need no
 * key: the callers of one request share that error object, which the breaker counts once.
 *
 * A turn, not a time window: the callers of one pipeline can start their budgets well apart in wall
 * time (15 ms measured for a cold first call), while separate requests arrive in separate turns and
 * each still counts, so an outage under steady traffic opens the circuit as before. Separate requests
 * started in the same turn are one observation of the same slow moment and count once.
 */
let turn: { key: object; startedAt: number } | undefined;

/**
 * A safety net, not the rule: where a runtime drops the reset timer (workerd cancels the timers of a
 * request that has ended), a key must still expire, or every later timeout in the isolate would share
 * it and the circuit could never open. Longer than one turn takes (15 ms measured, cold).
 */
const TURN_MAX_MS = 50;

function startTurnKey(): object {
  const now = performance.now();
  if (!turn || now - turn.startedAt > TURN_MAX_MS) {
    const current = { key: {}, startedAt: now };
    turn = current;
    // Cleared by the next timer turn: every guard started before it (microtasks included) shares the key.
    setTimeout(() => {
      if (turn === current) turn = undefined;
    }, 0);
  }
  return turn.key;
}

/** The breaker failure key of each RedisTimeoutError a guard's own timer raised (read by outer guards too). */
const timeoutKeys = new WeakMap<object, object>();

/**
 * Races `operation` against `timeoutMs`. On timeout: aborts the operation's signal, rejects with
 * RedisTimeoutError and stops waiting. A later rejection of the abandoned operation that is not
 * its own abort/timeout is reported as `redis.late-failure` (never an unhandled rejection).
 */
function withBudget<T>(
  operation: GuardOperation<T>,
  name: string,
  timeoutMs: number,
  emit: EmitResilienceEvent | undefined,
  failureKey: object | undefined,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const error = new RedisTimeoutError(name, timeoutMs);
      if (failureKey) timeoutKeys.set(error, failureKey);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    // `new Promise` so a synchronous throw inside `operation` becomes a rejection too.
    new Promise<T>((run) => run(operation(controller.signal))).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(err);
        else if (classifyRedisError(err) !== "timeout") emit?.({ type: "redis.late-failure", operation: name, error: err });
      },
    );
  });
}
