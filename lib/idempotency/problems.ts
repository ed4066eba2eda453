/**
 * Every answer the idempotency layer gives instead of the route, as RFC 9457 problem+json. Each
 * has its own `type` URI, so a client can tell the idempotency 422 from a business-validation 422
 * (IETF httpapi #42) and the in-flight 409 from any other conflict.
 */
import { problemResponse, PROBLEM_TYPES, type IdempotencyKeyProblem } from "../http";

export const IDEMPOTENCY_PROBLEM_TYPES = {
  /** 400: header missing where required, or malformed. */
  keyInvalid: "https://edge-kit.dev/problems/idempotency-key-invalid",
  /** 409: the first request with this key is still running. */
  inFlight: "https://edge-kit.dev/problems/idempotency-request-in-flight",
  /** 422: the key was already used with a different request. */
  keyReused: "https://edge-kit.dev/problems/idempotency-key-reused",
  /** 410: the first request completed, but its response was too large to keep for replay. */
  responseNotStored: "https://edge-kit.dev/problems/idempotency-response-not-stored",
} as const;

/** Marks a replayed response (Stripe's header; proposed for the draft in httpapi #46). */
export const REPLAYED_HEADER = "idempotent-replayed";
/** Set on a response produced without idempotency because Redis was degraded (fail-open). */
export const IDEMPOTENCY_DEGRADED_HEADER = "x-idempotency-degraded";

export function invalidKeyResponse(problem: IdempotencyKeyProblem, detail: string, instance: string): Response {
  return problemResponse({
    type: IDEMPOTENCY_PROBLEM_TYPES.keyInvalid,
    title: problem === "missing" ? "Idempotency-Key header required" : "Invalid Idempotency-Key header",
    status: 400,
    detail,
    instance,
    problem,
  });
}

/** Draft -07 §2.7: 409 while the original is outstanding; the client may retry after `Retry-After`. */
export function inFlightResponse(retryAfterSeconds: number, instance: string): Response {
  return problemResponse(
    {
      type: IDEMPOTENCY_PROBLEM_TYPES.inFlight,
      title: "A request is outstanding for this Idempotency-Key",
      status: 409,
      detail: `Retry after ${retryAfterSeconds} s with the same key and payload to get its response.`,
      instance,
    },
    { headers: { "retry-after": String(retryAfterSeconds) } },
  );
}

/** Draft -07 §2.7: 422 when the key is reused with a different payload; the client needs a new key. */
export function keyReusedResponse(instance: string): Response {
  return problemResponse({
    type: IDEMPOTENCY_PROBLEM_TYPES.keyReused,
    title: "Idempotency-Key is already used",
    status: 422,
    detail: "This key was used for a different request (method, path, caller or body). Use a new key for a new request.",
    instance,
  });
}

/**
 * The first request completed (it will not run again) but its response exceeded the replay limit.
 * 410: the stored response is gone for good, so a client must not retry this key; 409 would invite
 * retries and replaying the status without its body would be a silent lie.
 */
export function responseNotStoredResponse(originalStatus: number, bytes: number, limit: number, instance: string): Response {
  return problemResponse({
    type: IDEMPOTENCY_PROBLEM_TYPES.responseNotStored,
    title: "The response for this Idempotency-Key was not stored",
    status: 410,
    detail: `The request completed with status ${originalStatus}, but its response (over ${limit} bytes) exceeded the replay limit. It is not run again.`,
    instance,
    original_status: originalStatus,
    response_bytes_at_least: bytes,
    limit_bytes: limit,
  });
}

export function requestTooLargeResponse(limit: number, instance: string): Response {
  return problemResponse({
    type: PROBLEM_TYPES.payloadTooLarge,
    title: "Request body too large for an idempotent request",
    status: 413,
    detail: `Idempotent requests are fingerprinted up to ${limit} bytes of body.`,
    instance,
  });
}

/** Fail-closed refusal while Redis is unreachable: nothing ran, the same key can be retried. */
export function unavailableResponse(retryAfterSeconds: number, code: string, instance: string): Response {
  return problemResponse(
    {
      type: PROBLEM_TYPES.dependencyUnavailable,
      title: "Idempotency store unavailable",
      status: 503,
      detail: "The request was not processed. Retry with the same Idempotency-Key.",
      instance,
      code,
    },
    { headers: { "retry-after": String(retryAfterSeconds) } },
  );
}
