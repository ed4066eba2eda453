/**
 * Response snapshots: exact bytes (text as text, binary as base64), only allow-listed headers,
 * bodies over the cap recorded as omitted, and a replay rebuilt from the stored form.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_REPLAY_HEADERS, decodeStoredResponse, restoreResponse, snapshotResponse } from "@/lib/idempotency";

const options = { replayHeaders: DEFAULT_REPLAY_HEADERS, maxResponseBytes: 1024 };

describe("snapshotResponse / restoreResponse", () => {
  it("round-trips a UTF-8 body (BOM and all) byte for byte, and leaves the original readable", async () => {
    const text = "\uFEFF{\"a\": 1.0, \"ü\": \"€\"}";
    const original = new Response(text, { status: 201, headers: { "content-type": "application/json", "set-cookie": "s=1", "x-other": "1" } });
    const stored = await snapshotResponse(original, options);
    expect(stored).toEqual({ v: 1, s: 201, h: [["content-type", "application/json"]], t: text });
    // (bytes, not .text(): Body.text() strips a BOM by spec)
    expect(new Uint8Array(await original.arrayBuffer())).toEqual(new TextEncoder().encode(text));
    const replay = restoreResponse(decodeStoredResponse(JSON.parse(JSON.stringify(stored)))!, { "idempotent-replayed": "true" });
    expect(new Uint8Array(await replay.arrayBuffer())).toEqual(new TextEncoder().encode(text));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("adds no content-type the original did not have (a UTF-8 body sent as bytes or a stream)", async () => {
    const original = new Response(new TextEncoder().encode('{"ok":true}'), { status: 201, headers: { location: "/x/1" } });
    expect(original.headers.get("content-type")).toBeNull();
    const stored = await snapshotResponse(original, options);
    const replay = restoreResponse(decodeStoredResponse(JSON.parse(JSON.stringify(stored)))!, { "idempotent-replayed": "true" });
    expect([...replay.headers]).toEqual([...original.headers, ["idempotent-replayed", "true"]].sort(([a], [b]) => (a! < b! ? -1 : 1)));
    expect(replay.headers.get("content-type")).toBeNull();
    expect(await replay.text()).toBe('{"ok":true}');
  });

  it("stores a non-UTF-8 body as base64 and restores the same bytes", async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]);
    const stored = await snapshotResponse(new Response(bytes, { headers: { "content-type": "image/png" } }), options);
    expect(stored.b).toBeTypeOf("string");
    expect(new Uint8Array(await restoreResponse(stored).arrayBuffer())).toEqual(bytes);
  });

  it("records an over-cap body as omitted instead of storing it", async () => {
    const stored = await snapshotResponse(new Response("x".repeat(2000), { status: 201 }), options);
    expect(stored.omitted).toEqual({ bytes: 2000, limit: 1024 });
    expect(stored.t).toBeUndefined();
  });

  it("restores 204 without a body", async () => {
    const stored = await snapshotResponse(new Response(null, { status: 204 }), options);
    const replay = restoreResponse(stored);
    expect(replay.status).toBe(204);
    expect(await replay.text()).toBe("");
  });

  it("rejects anything that is not a stored envelope", () => {
    expect(decodeStoredResponse("not json")).toBeUndefined();
    expect(decodeStoredResponse({ v: 2, s: 200, h: [] })).toBeUndefined();
    expect(decodeStoredResponse({ v: 1, s: 200, h: [["a"]] })).toBeUndefined();
    expect(decodeStoredResponse('{"v":1,"s":200,"h":[]}')).toEqual({ v: 1, s: 200, h: [] });
  });
});
