/**
 * RFC 9457 "Problem Details for HTTP APIs": every error the kit answers is application/problem+json
 * with a stable `type` URI per failure, never a stack trace.
 */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Stable problem types; the URIs identify the failure, they need not resolve (RFC 9457 §3.1.1). */
export const PROBLEM_TYPES = {
  badRequest: "https://edge-kit.dev/problems/bad-request",
  unauthorized: "https://edge-kit.dev/problems/unauthorized",
  notFound: "https://edge-kit.dev/problems/not-found",
  methodNotAllowed: "https://edge-kit.dev/problems/method-not-allowed",
  payloadTooLarge: "https://edge-kit.dev/problems/payload-too-large",
  dependencyUnavailable: "https://edge-kit.dev/problems/dependency-unavailable",
  internal: "https://edge-kit.dev/problems/internal",
} as const;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Extension members (RFC 9457 §3.2), e.g. `policy`, `errors`. */
  [extension: string]: unknown;
}

export interface ProblemResponseInit {
  headers?: HeadersInit;
}

export function problemResponse(problem: ProblemDetails, init: ProblemResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
