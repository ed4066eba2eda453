/**
 * The idempotency record over the real server: one atomic claim answering claimed / in-flight /
 * mismatch / completed, completion and release by the claimer only, and the two lifetimes (the
 * in-flight lease, the retention) carried by the key's own expiry.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createIdempotencyStore, type StoredResponse } from "@/lib/idempotency";
import { createRedis } from "@/lib/redis";
import { systemClock } from "@/lib/clock";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const redis = createRedis({ url: target.url, token: target.token, commandTimeoutMs: 2000, retries: 0 });
const raw = testRedis();
const store = createIdempotencyStore({ redis, clock: systemClock, timeoutMs: 2000 });
const prefix = uniquePrefix("idem-store");
let n = 0;
const key = () => `${prefix}${++n}`;
afterAll(async () => {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  if (keys.length) await raw.del(...keys);
});

const LEASE = { leaseMs: 60_000, failPolicy: "closed" as const };
const response: StoredResponse = { v: 1, s: 201, h: [["content-type", "application/json"]], t: '{"order_id":"ord_1","n":1.0}' };

describe("claim", () => {
  it("claims a new key once; a second claimer with the same fingerprint sees it in flight with the remaining lease", async () => {
    const k = key();
    const first = await store.claim(k, "fp-a", LEASE);
    expect(first.state).toBe("claimed");
    const second = await store.claim(k, "fp-a", LEASE);
    expect(second.state).toBe("in-flight");
    if (second.state === "in-flight") expect(second.retryAfterMs).toBeGreaterThan(50_000);
    expect(await raw.pttl(k)).toBeGreaterThan(50_000);
  });

  it("reports a different fingerprint as a mismatch, whether the first request is in flight or done", async () => {
    const k = key();
    const first = await store.claim(k, "fp-a", LEASE);
    expect(await store.claim(k, "fp-b", LEASE)).toEqual({ state: "mismatch" });
    if (first.state !== "claimed") throw new Error("expected a claim");
    await store.complete(k, first.token, response, 60_000);
    expect(await store.claim(k, "fp-b", LEASE)).toEqual({ state: "mismatch" });
  });

  it("replays the exact stored envelope once completed, and switches the expiry to the retention", async () => {
    const k = key();
    const first = await store.claim(k, "fp", { ...LEASE, leaseMs: 5_000 });
    if (first.state !== "claimed") throw new Error("expected a claim");
    expect(await store.complete(k, first.token, response, 3_600_000)).toEqual({ applied: true });
    expect(await raw.pttl(k)).toBeGreaterThan(3_500_000);
    // The body text survives byte for byte (1.0 stays 1.0: no JSON re-serialisation of the body).
    expect(await store.claim(k, "fp", LEASE)).toEqual({ state: "completed", response });
  });
});

describe("only the claimer settles", () => {
  it("refuses complete and release with another token, and leaves the record alone", async () => {
    const k = key();
    const first = await store.claim(k, "fp", LEASE);
    if (first.state !== "claimed") throw new Error("expected a claim");
    expect(await store.complete(k, "not-the-token", response, 60_000)).toEqual({ applied: false });
    expect(await store.release(k, "not-the-token")).toEqual({ applied: false });
    expect((await raw.get<{ state: string }>(k))?.state).toBe("in-flight");
    expect(await store.release(k, first.token)).toEqual({ applied: true });
    expect(await raw.exists(k)).toBe(0);
  });

  it("never releases a completed record (a late release after completion is a no-op)", async () => {
    const k = key();
    const first = await store.claim(k, "fp", LEASE);
    if (first.state !== "claimed") throw new Error("expected a claim");
    await store.complete(k, first.token, response, 60_000);
    expect(await store.release(k, first.token)).toEqual({ applied: false });
    expect((await store.claim(k, "fp", LEASE)).state).toBe("completed");
  });

  it("a lapsed lease lets a retry claim again, and the first attempt can no longer complete over it", async () => {
    const k = key();
    const first = await store.claim(k, "fp", { ...LEASE, leaseMs: 150 });
    if (first.state !== "claimed") throw new Error("expected a claim");
    await new Promise((r) => setTimeout(r, 300));
    const retry = await store.claim(k, "fp", LEASE);
    expect(retry.state).toBe("claimed");
    expect(await store.complete(k, first.token, response, 60_000)).toEqual({ applied: false });
    expect((await raw.get<{ state: string }>(k))?.state).toBe("in-flight");
  });
});

describe("renew (the heartbeat of a running request)", () => {
  it("pushes the in-flight lease ahead for the claimer only, and never touches a completed record", async () => {
    const k = key();
    const first = await store.claim(k, "fp", { ...LEASE, leaseMs: 1_000 });
    if (first.state !== "claimed") throw new Error("expected a claim");
    expect(await store.renew(k, "not-the-token", 30_000)).toEqual({ applied: false });
    expect(await raw.pttl(k)).toBeLessThanOrEqual(1_000);
    expect(await store.renew(k, first.token, 30_000)).toEqual({ applied: true });
    expect(await raw.pttl(k)).toBeGreaterThan(25_000);
    await store.complete(k, first.token, response, 3_600_000);
    expect(await store.renew(k, first.token, 30_000)).toEqual({ applied: false });
    expect(await raw.pttl(k)).toBeGreaterThan(3_500_000); // the retention stays
  });

  it("answers not applied once the lease lapsed (the key is free or someone else's)", async () => {
    const k = key();
    const first = await store.claim(k, "fp", { ...LEASE, leaseMs: 100 });
    if (first.state !== "claimed") throw new Error("expected a claim");
    await new Promise((r) => setTimeout(r, 200));
    expect(await store.renew(k, first.token, 30_000)).toEqual({ applied: false });
    expect(await raw.exists(k)).toBe(0);
  });
});
