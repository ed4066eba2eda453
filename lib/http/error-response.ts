/**
 * The one mapping from a thrown error to an RFC 9457 answer, used at every boundary (the Hono app's
 * onError, middleware.ts, Next route handlers, the queue consumer): a dependency outage is a 503 with
 * Retry-After, an identifier the kit cannot key is the client's 400, anything else a 500 without
 * internals (logged server-side with its stack). Never a bare framework 500 or a stack trace.
 */
import { KitError } from "../errors";
import { problemResponse, PROBLEM_TYPES } from "./problem";

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(["E_REDIS_UNAVAILABLE", "E_REDIS_TIMEOUT", "E_CIRCUIT_OPEN"]);

/** True for the errors a fail-closed policy raises when Redis is slow, down or its circuit is open. */
export function isUnavailableError(err: unknown): err is KitError {
  return err instanceof KitError && UNAVAILABLE_CODES.has(err.code);
}

/** Seconds a client should wait before retrying, from the breaker's cooldown when known (min 1). */
function retryAfterSeconds(err: KitError): number {
  const ms = Number(err.context.retryAfterMs);
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 1;
}

export interface ErrorResponseOptions {
  /** Where it happened, for the log line of unexpected errors, e.g. "POST /api/orders". */
  where: string;
  instance?: string;
}

export function errorResponse(err: unknown, options: ErrorResponseOptions): Response {
  const instance = options.instance ? { instance: options.instance } : {};
  if (isUnavailableError(err)) {
    return problemResponse(
      { type: PROBLEM_TYPES.dependencyUnavailable, title: "A dependency is unavailable", status: 503, code: err.code, ...instance },
      { headers: { "retry-after": String(retryAfterSeconds(err)) } },
    );
  }
  if (err instanceof KitError && err.code === "E_INVALID_KEY_PART") {
    return problemResponse({
      type: PROBLEM_TYPES.badRequest,
      title: "Invalid identifier",
      status: 400,
      detail: "An identifier in the request (path, key or id) is empty or too long.",
      ...instance,
    });
  }
  console.error(`[edge-kit] unhandled error on ${options.where}`, err);
  return problemResponse({ type: PROBLEM_TYPES.internal, title: "Internal error", status: 500, ...instance });
}
