/**
 * Sorts a failure of an `@upstash/redis` call into what the guard does with it:
 *
 * | kind          | what it is                                            | guard                          |
 * |---------------|-------------------------------------------------------|--------------------------------|
 * | `timeout`     | no answer within the budget                           | degraded "timeout", breaker++  |
 * | `unavailable` | no usable answer: network, 5xx, bad body, Redis busy  | degraded "redis-error", breaker++ |
 * | `command`     | Redis answered with an error reply (WRONGTYPE, ERR…) | RedisCommandError (a bug)      |
 * | `unknown`     | not a Redis failure (the operation's own bug)         | rethrown untouched             |
 *
 * Faults, as thrown by @upstash/redis 1.39 on Node 20 (see test/lib/resilience/guard-faults.test.ts):
 * - connection refused / reset / dropped → `TypeError: fetch failed` (or msw's `Failed to fetch`)
 * - per-command timeout (`signal: () => AbortSignal.timeout`) → `DOMException` named `TimeoutError`
 * - HTTP 5xx with a JSON body → `UpstashError("<body.error>, command was: …")`
 * - non-JSON body (any status) → `UpstashJSONParseError("Unable to parse response body: …")`
 * - 2xx JSON without `result` → `TypeError: Request did not return a result`;
 *   2xx non-array on `/pipeline` → `TypeError: res.map is not a function`
 * - Redis error reply → `UpstashError("Command failed: WRONGTYPE …")` (auto-pipelined) or
 *   `UpstashError("WRONGTYPE …, command was: …")` (400 on `/`)
 */
import { CircuitOpenError, KitError, RedisCommandError, RedisTimeoutError, RedisUnavailableError } from "../errors";
import { redisErrorReply } from "../redis";

export type RedisErrorKind = "timeout" | "unavailable" | "command" | "unknown";

/**
 * Error replies that mean "this server cannot serve right now", not "your command is wrong":
 * they are outages, so they degrade and count towards the breaker like a network failure.
 * LOADING (dataset loading after restart), BUSY (a script is hogging the server), MASTERDOWN /
 * READONLY / TRYAGAIN / CLUSTERDOWN (failover), OOM / MISCONF (server out of memory or disk),
 * NOAUTH / WRONGPASS (the token is wrong or revoked: every command will fail the same way).
 */
const TRANSIENT_REPLY_CODES: ReadonlySet<string> = new Set([
  "LOADING",
  "BUSY",
  "MASTERDOWN",
  "READONLY",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "OOM",
  "MISCONF",
  "NOAUTH",
  "WRONGPASS",
]);

/**
 * Generic `ERR` replies that are capacity refusals rather than command bugs: Upstash plan limits
 * ("ERR max daily request limit exceeded", "ERR max concurrent connections exceeded",
 * "… quota exceeded") and Redis `maxclients` ("ERR max number of clients reached").
 */
const CAPACITY_ERR = /^ERR (?:max .*(?:exceeded|reached)|.*quota exceeded)/i;

/**
 * Upstash's per-request limits ("ERR max request size exceeded", "… max single record size …",
 * "… max key size …", "… max member size …"): the service answered and refused THIS request's size.
 * They match CAPACITY_ERR and degrade like an outage (the command cannot run as sent), but they say
 * nothing about reachability, so the breaker must not count them (see `isRequestSizeRefusal`).
 * https://upstash.com/docs/redis/troubleshooting/max_request_size_exceeded
 */
const SIZE_LIMIT_ERR = /^ERR max .*size exceeded/i;

/** True for an Upstash refusal of one request's size: Redis answered, so it is reachable. */
export function isRequestSizeRefusal(err: unknown): boolean {
  const reply = err instanceof Error && err.name === "UpstashError" ? redisErrorReply(err) : undefined;
  return reply !== undefined && SIZE_LIMIT_ERR.test(reply.text);
}

function isAbortLike(err: unknown): boolean {
  // DOMException is not an Error subclass on every runtime; check the name only.
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  return name === "TimeoutError" || name === "AbortError";
}

/** Which kind of failure `err` is; see the table in this module's header. */
export function classifyRedisError(err: unknown): RedisErrorKind {
  if (err instanceof KitError) {
    if (err instanceof RedisTimeoutError) return "timeout";
    if (err instanceof RedisUnavailableError || err instanceof CircuitOpenError) return "unavailable";
    if (err instanceof RedisCommandError) return "command";
    return "unknown";
  }
  if (isAbortLike(err)) return "timeout";
  if (!(err instanceof Error)) return "unknown";
  if (err.name === "UpstashJSONParseError") return "unavailable";
  if (err.name === "UpstashError") {
    const reply = redisErrorReply(err);
    // A non-2xx without a Redis reply code (e.g. 500 "upstash-local: Redis unavailable…",
    // Upstash's own 5xx texts, a 401 without a code) is the service failing, not the command.
    if (reply === undefined) return "unavailable";
    if (TRANSIENT_REPLY_CODES.has(reply.code) || CAPACITY_ERR.test(reply.text)) return "unavailable";
    return "command";
  }
  // The client reports both network failures (`fetch failed`) and malformed 2xx bodies
  // (`Request did not return a result`, `res.map is not a function`) as TypeErrors: no usable answer.
  // Cost: a TypeError bug inside an operation also degrades — visibly, as a redis.degraded event
  // carrying the error — instead of crashing the request.
  if (err instanceof TypeError) return "unavailable";
  return "unknown";
}
