/**
 * Reading a JSON request body the same way everywhere: a byte cap checked before and after reading
 * (Content-Length can lie or be absent), and every failure as a ready RFC 9457 problem response —
 * bad input is a 400/413, never a 500.
 */
import { problemResponse, PROBLEM_TYPES } from "./problem";

export type JsonBodyResult = { ok: true; value: unknown } | { ok: false; response: Response };

export interface ReadJsonBodyOptions {
  /** Largest accepted body in bytes (UTF-8). */
  maxBytes: number;
  /** A short example of a valid body, shown in the 400's `detail`. */
  example?: string;
}

export async function readJsonBody(request: Request, options: ReadJsonBodyOptions): Promise<JsonBodyResult> {
  const instance = new URL(request.url).pathname;
  const tooLarge = (): JsonBodyResult => ({
    ok: false,
    response: problemResponse({
      type: PROBLEM_TYPES.payloadTooLarge,
      title: "Request body too large",
      status: 413,
      detail: `The body must be at most ${options.maxBytes} bytes.`,
      instance,
    }),
  });
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > options.maxBytes) return tooLarge();
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > options.maxBytes) return tooLarge();
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return {
      ok: false,
      response: problemResponse({
        type: PROBLEM_TYPES.badRequest,
        title: "Invalid JSON body",
        status: 400,
        ...(options.example ? { detail: `Send a JSON object such as ${options.example}.` } : {}),
        instance,
      }),
    };
  }
}

export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** 400 problem+json naming every invalid field (`errors: [{ path: "a.b", message }]`). */
export function invalidBodyResponse(title: string, detail: string, issues: readonly ValidationIssue[], instance?: string): Response {
  return problemResponse({
    type: PROBLEM_TYPES.badRequest,
    title,
    status: 400,
    detail,
    ...(instance ? { instance } : {}),
    errors: issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
  });
}
