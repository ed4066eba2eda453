/**
 * Reading a JSON request body the same way everywhere: a byte cap enforced while reading, and every
 * failure as a ready RFC 9457 problem response — bad input is a 400/413, never a 500.
 *
 * The cap holds whatever the client declares: a Content-Length above it is refused before a byte is
 * read; without one (chunked transfer coding, RFC 9112 §7.1) or with a lying one, the body is read
 * chunk by chunk and the stream cancelled as soon as the count passes the cap, so at most `maxBytes`
 * plus one chunk is ever held — never the whole upload, as `request.text()` would.
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
  // Fast path: a declared length over the cap is refused unread (RFC 9110 §15.5.14 413 Content Too Large).
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > options.maxBytes) return tooLarge();
  const text = await readCapped(request, options.maxBytes);
  if (text === null) return tooLarge();
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

/**
 * The body as text (UTF-8, as `request.text()` decodes it: BOM stripped, bad bytes replaced), or
 * null once more than `maxBytes` arrived — the stream is cancelled then, so the client's remaining
 * bytes are never pulled. The decoder runs in streaming mode: a character split across two chunks
 * is decoded whole.
 */
async function readCapped(request: Request, maxBytes: number): Promise<string | null> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    received += value.byteLength;
    if (received > maxBytes) {
      // Not awaited: a source may take its time to wind down, and the 413 does not depend on it.
      reader.cancel("request body over the size limit").catch(() => undefined);
      return null;
    }
    text += decoder.decode(value, { stream: true });
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
