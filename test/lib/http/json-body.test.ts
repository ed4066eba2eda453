/**
 * readJsonBody (lib/http/json-body.ts): the byte cap holds while reading — a body without
 * Content-Length is cancelled once past the cap instead of being buffered whole — and every failure
 * is a problem+json 400/413.
 */
import { describe, expect, it } from "vitest";
import { readJsonBody } from "../../../lib/http";

const KiB = 1024;

/** A body that would be `totalBytes` long, counting the bytes pulled from it and whether it was cancelled. */
function countingStream(totalBytes: number, chunkBytes = KiB, fill = 0x20) {
  const state = { pulled: 0, cancelled: false };
  const chunk = new Uint8Array(chunkBytes).fill(fill);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= totalBytes) return controller.close();
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

/** A POST whose body is `body` and has no Content-Length (as with chunked transfer coding). */
function streamed(body: ReadableStream<Uint8Array>): Request {
  const request = new Request("http://localhost/api/orders", { method: "POST", body, duplex: "half" } as RequestInit);
  expect(request.headers.get("content-length")).toBeNull();
  return request;
}

async function expectProblem(result: Awaited<ReturnType<typeof readJsonBody>>, status: number) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.response.status).toBe(status);
  expect(result.response.headers.get("content-type")).toBe("application/problem+json");
  expect(await result.response.json()).toMatchObject({ status, instance: "/api/orders" });
}

describe("readJsonBody without Content-Length", () => {
  it("stops reading a huge stream just past maxBytes, cancels it, and answers 413", async () => {
    const { body, state } = countingStream(64 * 1024 * KiB); // 64 MiB if it were read to the end
    const result = await readJsonBody(streamed(body), { maxBytes: 16 * KiB });
    await expectProblem(result, 413);
    expect(state.cancelled).toBe(true);
    // 16 KiB allowed, one chunk to cross the cap, and at most a couple the stream queued ahead.
    expect(state.pulled).toBeLessThanOrEqual(16 * KiB + 3 * KiB);
  });

  it("accepts a body of exactly maxBytes", async () => {
    const json = JSON.stringify({ pad: "x".repeat(100) });
    const bytes = new TextEncoder().encode(json);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    expect(await readJsonBody(streamed(body), { maxBytes: bytes.byteLength })).toEqual({ ok: true, value: JSON.parse(json) });
  });

  it("decodes a UTF-8 character split across two chunks whole", async () => {
    const bytes = new TextEncoder().encode('{"name":"café 🚀"}');
    const split = bytes.indexOf(0xf0) + 2; // inside the 4-byte rocket
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    expect(await readJsonBody(streamed(body), { maxBytes: KiB })).toEqual({ ok: true, value: { name: "café 🚀" } });
  });

  it("answers 400 problem+json for a body that is not JSON", async () => {
    const { body } = countingStream(2 * KiB, KiB, 0x7b); // "{{{…"
    await expectProblem(await readJsonBody(streamed(body), { maxBytes: 16 * KiB, example: '{"a":1}' }), 400);
  });
});

describe("readJsonBody with Content-Length", () => {
  it("refuses a declared length over the cap without reading a byte", async () => {
    const { body, state } = countingStream(64 * KiB);
    const request = new Request("http://localhost/api/orders", {
      method: "POST",
      body,
      headers: { "content-length": String(64 * KiB) },
      duplex: "half",
    } as RequestInit);
    await expectProblem(await readJsonBody(request, { maxBytes: 16 * KiB }), 413);
    expect(state.pulled).toBeLessThanOrEqual(KiB); // at most what the stream queued on its own
  });

  it("still counts the bytes when the declared length lies low", async () => {
    const text = JSON.stringify({ pad: "y".repeat(40 * KiB) });
    const request = new Request("http://localhost/api/orders", { method: "POST", body: text, headers: { "content-length": "10" } });
    await expectProblem(await readJsonBody(request, { maxBytes: 16 * KiB }), 413);
  });

  it("reads an ordinary body", async () => {
    const request = new Request("http://localhost/api/orders", { method: "POST", body: '{"item_id":"sku-1","quantity":2}' });
    expect(await readJsonBody(request, { maxBytes: 16 * KiB })).toEqual({ ok: true, value: { item_id: "sku-1", quantity: 2 } });
  });
});
