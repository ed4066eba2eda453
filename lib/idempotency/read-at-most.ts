/**
 * Reads a body stream up to a byte limit, never further: shared by the request fingerprint (begin.ts)
 * and the response snapshot (stored-response.ts). `arrayBuffer()` would buffer a body of any size —
 * a chunked upload without Content-Length included — before the limit could be checked.
 */

export interface ReadAtMostResult {
  /** The bytes read (empty when truncated: the caller only needs to know it was too large). */
  body: Uint8Array;
  /** Bytes read, at most one chunk past `limit` when truncated. */
  bytes: number;
  truncated: boolean;
}

/** Reads `stream` to its end, or stops (and cancels it) as soon as more than `limit` bytes arrived. */
export async function readAtMost(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<ReadAtMostResult> {
  if (!stream) return { body: new Uint8Array(0), bytes: 0, truncated: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      // Stop here: only the size matters from now on. Not awaited: a cancelled tee branch (these
      // streams come from `clone()`) settles only once the other branch is done too (WHATWG Streams
      // "ReadableStreamTee"), i.e. after the response has been sent.
      void reader.cancel().catch(() => undefined);
      return { body: new Uint8Array(0), bytes, truncated: true };
    }
    chunks.push(value);
  }
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, bytes, truncated: false };
}
