/**
 * The POST /permits/ingest contract, written once and run against both entry points
 * (test/edge/permits.test.ts → Hono `app.request`, test/app/permits.test.ts → Next's exported POST).
 */
import { http, HttpResponse } from "msw";
import type { SetupServer } from "msw/node";
import { expect, it } from "vitest";
import { INGEST_LOCK } from "@/edge/example/permits";
import type { Kit } from "@/lib/kit";
import { createLocks } from "@/lib/lock";

export interface PermitsTarget {
  /** Sends `body` (a string is sent as is) to the entry point under test. */
  post(body: unknown): Promise<Response> | Response;
  /** The kit the entry point uses (same key prefix), to hold the lock from outside. */
  kit(): Kit;
  msw: SetupServer;
  upstashUrl: string;
}

const json = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
let n = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${++n}`;

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const text = await res.text();
  expect(text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
  return body;
}

export function permitsContract(target: PermitsTarget): void {
  it("accepts new permits and reports repeats as duplicates (90-day memory per id)", async () => {
    const [a, b, c] = [unique("a"), unique("b"), unique("c")];
    const first = await target.post({ permits: [{ id: a, county: "Travis" }, { id: b }, { id: a }] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: [a, b], duplicates: [a] });
    const second = await target.post({ permits: [{ id: b }, { id: c }] });
    expect(await second.json()).toEqual({ accepted: [c], duplicates: [b] });
  });

  it("answers bad bodies with 400 problem+json saying what is wrong", async () => {
    await expectProblem(await target.post("{not json"), 400);
    const missing = await expectProblem(await target.post({ items: [] }), 400);
    expect(missing.errors).toEqual([expect.objectContaining({ path: "permits" })]);
    const badId = await expectProblem(await target.post({ permits: [{ id: "has space" }, { nope: 1 }] }), 400);
    expect((badId.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(["permits.0.id", "permits.1.id"]);
    await expectProblem(await target.post({ permits: [] }), 400);
  });

  it("refuses bodies over 1 MB with 413 problem+json", async () => {
    await expectProblem(await target.post({ permits: [{ id: "x", blob: "y".repeat(1_100_000) }] }), 413);
  });

  it("processes concurrent calls one at a time: every id accepted exactly once across 8 racing requests", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => unique(`r${i}`));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, k) => target.post({ permits: ids.slice(k * 3, k * 3 + 12).map((id) => ({ id })) })),
    );
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ accepted: string[]; duplicates: string[] }>));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const accepted = bodies.flatMap((b) => b.accepted);
    expect(accepted.sort()).toEqual(ids.slice(0, 33).sort());
  });

  it("waits for a holder that finishes soon, then answers 200", async () => {
    const held = await createLocks(target.kit()).acquireLock(INGEST_LOCK, { lease: "10 s" });
    if (!held.acquired) throw new Error("expected the lock");
    setTimeout(() => void held.lease.release(), 300);
    const res = await target.post({ permits: [{ id: unique("w") }] });
    expect(res.status).toBe(200);
  });

  it("gives up after its bounded wait: 503 problem+json with Retry-After while another ingestion holds the lock", async () => {
    const held = await createLocks(target.kit()).acquireLock(INGEST_LOCK, { lease: "10 s", holder: "nightly-import" });
    if (!held.acquired) throw new Error("expected the lock");
    try {
      const started = Date.now();
      const res = await target.post({ permits: [{ id: unique("busy") }] });
      const body = await expectProblem(res, 503);
      expect(body).toMatchObject({ type: "https://edge-kit.dev/problems/lock-busy", code: "E_LOCK_NOT_ACQUIRED" });
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(15);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500); // it did wait (bound 2 s)
    } finally {
      await held.lease.release();
    }
  });

  it("answers 503 problem+json with Retry-After when Redis is down (fail-closed: nothing half-ingested)", async () => {
    target.msw.use(http.post(`${target.upstashUrl}/*`, () => HttpResponse.json({ error: "down" }, { status: 500 })));
    const res = await target.post({ permits: [{ id: unique("down") }] });
    target.msw.resetHandlers();
    const body = await expectProblem(res, 503);
    expect(body.code).toBe("E_REDIS_UNAVAILABLE");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
}
