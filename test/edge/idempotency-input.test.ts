/**
 * What the idempotency layer reads from a request before claiming: the body (fingerprinted up to
 * `maxRequestBytes`, read as a stream and abandoned past it: 413 without buffering the rest) and the
 * caller's scope (any user id works: long or non-BMP ids are hashed by their encoded size, ids that
 * are not well-formed UTF-16 too; one caller's key never replays another caller's response).
 */
import { describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { buildHarness, newIp, newKey, proxiedTestKit, request, testRoutes } from "./idempotency-harness";

const kit = proxiedTestKit();
const { app } = buildHarness(kit);

describe("request body (413 past maxRequestBytes, 1 MiB by default)", () => {
  it("refuses a body whose Content-Length is over the limit", async () => {
    const res = await request(app, "/t/echo", { ip: newIp(), key: newKey(), body: "x".repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("stops reading a streamed body without Content-Length one chunk past the limit, instead of buffering all of it", async () => {
    const MiB = 1024 * 1024;
    const chunk = new Uint8Array(MiB / 4);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * MiB) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const headers = { "idempotency-key": newKey(), "x-forwarded-for": newIp() };
    const res = await app.request("/api/edge/t/echo", { method: "POST", headers, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(2 * MiB); // the limit, plus what the stream queued ahead
  });

  it("fingerprints a streamed body under the limit like the same bytes sent whole", async () => {
    const [key, ip] = [newKey(), newIp()];
    const text = '{"item_id":"sku-1","quantity":2}';
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, 10)));
        controller.enqueue(new TextEncoder().encode(text.slice(10)));
        controller.close();
      },
    });
    const headers = { "idempotency-key": key, "x-forwarded-for": ip, "content-type": "application/json" };
    const first = await app.request("/api/edge/t/echo", { method: "POST", headers, body: stream, duplex: "half" } as RequestInit);
    expect(first.status).toBe(201);
    expect((await first.json()).body).toBe(text); // the route still reads the whole body
    expect((await request(app, "/t/echo", { ip, key, body: text })).headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("caller scope", () => {
  const users = createApp(kit, { basePath: "/api/edge", routes: testRoutes, resolveUser: (req) => decodeUser(req.headers.get("x-user")) });
  let runs = 0;
  users.post("/t/echo", (c) => c.json({ run: ++runs }, 201));
  // Header values are ByteStrings: "u+XXXX…" spells the user id's UTF-16 code units in hex.
  const decodeUser = (value: string | null) => (value?.startsWith("u+") ? String.fromCharCode(...value.slice(2).split(".").map((h) => parseInt(h, 16))) : value);
  const asHeader = (id: string) => `u+${Array.from({ length: id.length }, (_, i) => id.charCodeAt(i).toString(16)).join(".")}`;
  const post = (user: string, key: string) =>
    Promise.resolve(users.request("/api/edge/t/echo", { method: "POST", headers: { "idempotency-key": key, "x-user": asHeader(user) }, body: "{}" }));

  it("never replays one caller's response to another caller using the same key", async () => {
    const key = newKey();
    const a = await request(app, "/t/echo", { ip: newIp(), key });
    const b = await request(app, "/t/echo", { ip: newIp(), key });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect((await b.json()).id).not.toBe((await a.json()).id);
  });

  it("works for a user id under 128 characters but over 512 bytes once encoded (60 CJK characters)", async () => {
    const user = "用".repeat(60); // 180 UTF-8 bytes, 540 percent-encoded
    const key = newKey();
    const first = await post(user, key);
    expect(first.status).toBe(201);
    const replay = await post(user, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(await first.text());
  });

  it("works for user ids with unpaired surrogates, and keeps two such ids apart (no U+FFFD collision)", async () => {
    const key = newKey();
    const a = await post("user-\ud800", key);
    const b = await post("user-\udc00", key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect((await post("user-\ud800", key)).headers.get("idempotent-replayed")).toBe("true");
  });
});
