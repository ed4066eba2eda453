/**
 * The Idempotency-Key contract through the Hono app (`/api/edge/*`, app.request()): 400 / 409 /
 * 422 / replay as drafted (draft-ietf-httpapi-idempotency-key-header-07 §2.7), what is stored and
 * what is released, identity scoping and oversized responses. Real client, real upstash-local.
 * The lease while a request runs, and crash recovery: idempotency-lease.test.ts; paths:
 * idempotency-path.test.ts; request bodies and scopes: idempotency-input.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createTestKit } from "../setup/kit";
import { testRedis } from "../setup/redis";
import { sha256Base64Url } from "@/lib/idempotency";
import { buildHarness, newIp, newKey, request } from "./idempotency-harness";

const kit = createTestKit({ env: { TRUST_PROXY: "true" } });
const { app, calls, hold } = buildHarness(kit);
const raw = testRedis();
afterAll(async () => {
  let cursor = "0";
  do {
    const [next, keys] = await raw.scan(cursor, { match: `${kit.keys.prefix}:*`, count: 500 });
    if (keys.length) await raw.del(...keys);
    cursor = String(next);
  } while (cursor !== "0");
});

const PROBLEM = "application/problem+json";

describe("key validation (400)", () => {
  it("refuses a request without the key on a route that requires it, without running the handler", async () => {
    const before = calls.echo ?? 0;
    const res = await request(app, "/t/echo", { ip: newIp() });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe(PROBLEM);
    expect(await res.json()).toMatchObject({ status: 400, problem: "missing", title: "Idempotency-Key header required" });
    expect(calls.echo ?? 0).toBe(before);
  });

  it.each([
    ["too short", "abc"],
    ["unterminated sf-string", `"${"a".repeat(20)}`],
    ["two keys", `"${"a".repeat(20)}", "${"b".repeat(20)}"`],
  ])("refuses a malformed key (%s) with 400 problem+json", async (_name, key) => {
    const res = await request(app, "/t/echo", { ip: newIp(), key });
    expect(res.status).toBe(400);
    expect((await res.json()).type).toBe("https://edge-kit.dev/problems/idempotency-key-invalid");
  });

  it("runs a request without a key normally when the key is optional, and still refuses a malformed one", async () => {
    const ip = newIp();
    const a = await request(app, "/t/optional", { ip });
    const b = await request(app, "/t/optional", { ip });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await b.json()).run).toBe((await a.json()).run + 1);
    expect((await request(app, "/t/optional", { ip, key: "bad" })).status).toBe(400);
  });

  it("accepts the draft's quoted form and the bare form as the same key", async () => {
    const ip = newIp();
    const key = newKey();
    const first = await request(app, "/t/echo", { ip, key: `"${key}"` });
    const second = await request(app, "/t/echo", { ip, key });
    expect(first.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("replay", () => {
  it("runs the handler once and replays status, allow-listed headers and the exact body bytes", async () => {
    const ip = newIp();
    const key = newKey();
    const before = calls.echo ?? 0;
    const first = await request(app, "/t/echo", { ip, key });
    const firstBody = await first.text();
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(first.headers.get("set-cookie")).toBe("session=secret");

    const replay = await request(app, "/t/echo", { ip, key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(firstBody);
    expect(replay.headers.get("content-type")).toBe("application/json");
    expect(replay.headers.get("location")).toBe("/x/1");
    // Never replayed: one caller's cookie, and headers outside the allow-list.
    expect(replay.headers.get("set-cookie")).toBeNull();
    expect(replay.headers.get("x-request-only")).toBeNull();
    expect(calls.echo).toBe(before + 1);
  });

  it("covers PATCH by default but not PUT (not in the default methods)", async () => {
    const ip = newIp();
    const key = newKey();
    await request(app, "/t/echo", { ip, key, method: "PATCH" });
    expect((await request(app, "/t/echo", { ip, key, method: "PATCH" })).headers.get("idempotent-replayed")).toBe("true");
    const before = calls.echo!;
    await request(app, "/t/echo", { ip, key: newKey(), method: "PUT" });
    const put = await request(app, "/t/echo", { ip, key, method: "PUT" });
    expect(put.headers.get("idempotent-replayed")).toBeNull();
    expect(calls.echo).toBe(before + 2);
  });

  it("shares records between the same route's URLs: the key is bound to the route and its path under the API base, not the mount", async () => {
    const ip = newIp();
    const key = newKey();
    const first = await request(app, "/orders", { ip, key });
    expect(first.status).toBe(201);
    const replay = await request(app, "/orders", { ip, key });
    expect(await replay.text()).toBe(await first.text());
  });
});

describe("in flight (409)", () => {
  it("answers 409 + Retry-After while the first request runs, then replays its response", async () => {
    const ip = newIp();
    const key = newKey();
    let release!: () => void;
    hold.promise = new Promise<void>((r) => (release = r));
    const first = request(app, "/t/echo", { ip, key });
    await new Promise((r) => setTimeout(r, 100));
    const concurrent = await request(app, "/t/echo", { ip, key });
    expect(concurrent.status).toBe(409);
    expect(concurrent.headers.get("retry-after")).toBe("1");
    expect(await concurrent.json()).toMatchObject({ type: "https://edge-kit.dev/problems/idempotency-request-in-flight", status: 409 });
    hold.promise = undefined;
    release();
    const firstRes = await first;
    expect(firstRes.status).toBe(201);
    const after = await request(app, "/t/echo", { ip, key });
    expect(after.headers.get("idempotent-replayed")).toBe("true");
    expect(await after.text()).toBe(await firstRes.text());
  });
});

describe("payload mismatch (422)", () => {
  it.each([
    ["another body", { body: '{"item_id":"sku-2","quantity":2}' }, "/t/echo"],
    ["another method", { method: "PATCH" }, "/t/echo"],
    ["another route", {}, "/orders"],
    ["another query", {}, "/t/echo?dry_run=1"],
  ])("refuses the key reused with %s", async (_name, change, path) => {
    const ip = newIp();
    const key = newKey();
    expect((await request(app, "/t/echo", { ip, key })).status).toBe(201);
    const res = await request(app, path, { ip, key, ...change });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe(PROBLEM);
    expect(await res.json()).toMatchObject({ type: "https://edge-kit.dev/problems/idempotency-key-reused", title: "Idempotency-Key is already used" });
  });

  it("treats query parameter order as the same request", async () => {
    const ip = newIp();
    const key = newKey();
    await request(app, "/t/echo?a=1&b=2", { ip, key });
    expect((await request(app, "/t/echo?b=2&a=1", { ip, key })).headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("what is stored", () => {
  it("releases a 5xx by default: the retry runs the handler again", async () => {
    const ip = newIp();
    const key = newKey();
    const before = calls.status ?? 0;
    expect((await request(app, "/t/status/503", { ip, key })).status).toBe(503);
    const retry = await request(app, "/t/status/503", { ip, key });
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(calls.status).toBe(before + 2);
  });

  it("stores a 4xx from the handler (deterministic) by default", async () => {
    const ip = newIp();
    const key = newKey();
    const first = await request(app, "/t/status/404", { ip, key });
    const retry = await request(app, "/t/status/404", { ip, key });
    expect(retry.status).toBe(404);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await first.text());
  });

  it("always releases 429 (a 'try later' answer must not be replayed forever)", async () => {
    const ip = newIp();
    const key = newKey();
    await request(app, "/t/status/429", { ip, key });
    expect((await request(app, "/t/status/429", { ip, key })).headers.get("idempotent-replayed")).toBeNull();
  });

  it("with serverErrors: 'store' replays the 5xx (Stripe v1); with clientErrors: 'release' a 4xx is retried", async () => {
    const ip = newIp();
    const k5 = newKey();
    await request(app, "/t/status-stored/500", { ip, key: k5 });
    const replay = await request(app, "/t/status-stored/500", { ip, key: k5 });
    expect(replay.status).toBe(500);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const k4 = newKey();
    await request(app, "/t/status-stored/400", { ip, key: k4 });
    expect((await request(app, "/t/status-stored/400", { ip, key: k4 })).headers.get("idempotent-replayed")).toBeNull();
  });

  it("releases the claim when the handler throws, so the retry succeeds", async () => {
    const ip = newIp();
    const key = newKey();
    const original = console.error;
    console.error = () => {};
    try {
      const failed = await request(app, "/t/throw", { ip, key });
      expect(failed.status).toBe(500);
    } finally {
      console.error = original;
    }
    const retry = await request(app, "/t/throw", { ip, key });
    expect(retry.status).toBe(201);
    expect(calls.throw).toBe(2);
  });

  it("delivers an oversized response once, never runs the handler again, and answers retries 410", async () => {
    const ip = newIp();
    const key = newKey();
    const first = await request(app, "/t/big", { ip, key });
    expect(first.status).toBe(201);
    expect((await first.text()).length).toBe(4096);
    const retry = await request(app, "/t/big", { ip, key });
    expect(retry.status).toBe(410);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toMatchObject({
      type: "https://edge-kit.dev/problems/idempotency-response-not-stored",
      original_status: 201,
      limit_bytes: 1024,
    });
    expect(calls.big).toBe(1);
  });

  it("keeps the record in flight for the lease (60 s by default), then completed for the retention (24 h)", async () => {
    const ip = newIp();
    const key = newKey();
    // This request's own record (default scope: the client IP), not any key of the file's prefix.
    const recordKey = kit.keys.idempotency(`ip:${ip}`, await sha256Base64Url(key));
    let release!: () => void;
    hold.promise = new Promise<void>((r) => (release = r));
    const pending = request(app, "/t/echo", { ip, key });
    let lease = -2;
    for (let i = 0; i < 100 && lease < 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      lease = await raw.pttl(recordKey);
    }
    expect((await raw.get<{ state: string }>(recordKey))?.state).toBe("in-flight");
    expect(lease).toBeGreaterThan(50_000);
    expect(lease).toBeLessThanOrEqual(60_000);
    hold.promise = undefined;
    release();
    expect((await pending).status).toBe(201);
    expect((await raw.get<{ state: string }>(recordKey))?.state).toBe("completed");
    const retention = await raw.pttl(recordKey);
    expect(retention).toBeGreaterThan(23 * 3_600_000);
    expect(retention).toBeLessThanOrEqual(24 * 3_600_000);
  });
});
