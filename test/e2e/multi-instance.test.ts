/**
 * The cross-instance claims, against TWO `next start` processes of the same build sharing one Redis
 * (the same key prefix), i.e. two serverless instances of one deployment. Requests alternate between
 * the instances and are sent concurrently; each claim is checked on both entry points (/api through
 * middleware.ts, /api/edge through the Hono app).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocks } from "@/lib/lock";
import { createTestKit } from "../setup/kit";
import { e2ePrefix, startNext, type RunningServer } from "./support/servers";
import { clearOfWindowEdge } from "../setup/window-edge";

let a: RunningServer;
let b: RunningServer;
let prefix = "";
let ipCounter = 0;
/** A client of its own per claim (rate limits and idempotency scopes are per client). */
const freshIp = () => `10.77.${(process.pid >> 8) & 255}.${++ipCounter}`;
const uid = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  prefix = e2ePrefix("multi");
  [a, b] = await Promise.all([startNext({ prefix }), startNext({ prefix })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

interface Answer {
  instance: "a" | "b";
  status: number;
  headers: Headers;
  body: any;
}

/** Degraded answers (Redis slow or down) are correct but prove nothing about sharing: fail loudly on them. */
const DEGRADED_HEADERS = ["x-ratelimit-degraded", "x-idempotency-degraded", "x-cache-degraded"];

/** `n` requests at once, alternating between the two instances. */
async function burst(n: number, make: (i: number) => { path: string; init: RequestInit }): Promise<Answer[]> {
  const answers = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const server = i % 2 === 0 ? a : b;
      const { path, init } = make(i);
      const res = await fetch(`${server.url}${path}`, init);
      const text = await res.text();
      return { instance: i % 2 === 0 ? "a" : "b", status: res.status, headers: res.headers, body: text.startsWith("{") ? JSON.parse(text) : text } as Answer;
    }),
  );
  for (const r of answers) {
    const degraded = DEGRADED_HEADERS.filter((h) => r.headers.has(h)).map((h) => `${h}: ${r.headers.get(h)}`);
    expect(degraded, `instance ${r.instance} answered degraded (Redis too slow on this machine?)`).toEqual([]);
    expect(r.body?.code, "the circuit breaker opened").not.toBe("E_CIRCUIT_OPEN");
  }
  return answers;
}

const json = (ip: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", "x-forwarded-for": ip, ...headers },
  body: JSON.stringify(body),
});

describe.each(["/api", "/api/edge"])("two instances behind %s", (base) => {
  it("rate limit is exact across instances: 30 concurrent orders from one client, exactly 10 admitted", async () => {
    await clearOfWindowEdge(60_000, 5_000); // the `orders` window: the burst must not straddle a rollover
    const ip = freshIp();
    const answers = await burst(30, (i) => ({ path: `${base}/orders`, init: json(ip, { item_id: "sku-9", quantity: 1 }, { "idempotency-key": `"rl-${uid()}-${i}-padding"` }) }));
    const statuses = answers.map((r) => r.status);
    // Each instance got 15 requests: per-process budgets would admit 10 on each (20), a shared one exactly 10.
    expect(answers.filter((r) => r.instance === "a")).toHaveLength(15);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    for (const r of answers.filter((x) => x.status === 429)) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("idempotency is exactly-once across instances: 8 concurrent requests with one key create one order", async () => {
    const ip = freshIp();
    const key = `"once-${uid()}-0123456789"`;
    const body = { item_id: "sku-once", quantity: 3 };
    const answers = await burst(8, () => ({ path: `${base}/orders`, init: json(ip, body, { "idempotency-key": key }) }));
    // Each answer is the original 201, a replay of it, or 409 (+ Retry-After) while it is in flight.
    for (const r of answers) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    const created = answers.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((r) => r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    expect(new Set(created.map((r) => r.body.order_id)).size).toBe(1);
    for (const r of answers.filter((x) => x.status === 409)) {
      expect(r.body.type).toBe("https://edge-kit.dev/problems/idempotency-request-in-flight");
      expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
    }
    // Afterwards, on either instance: the same order, replayed byte for byte.
    const [later] = await burst(1, () => ({ path: `${base}/orders`, init: json(ip, body, { "idempotency-key": key }) }));
    expect(later!.status).toBe(201);
    expect(later!.headers.get("idempotent-replayed")).toBe("true");
    expect(later!.body).toEqual(created[0]!.body);
  });

  it("permits: concurrent overlapping ingests on both instances accept every id exactly once", async () => {
    const shared = Array.from({ length: 20 }, (_, i) => `${uid()}-s${i}`);
    const answers = await burst(10, (i) => ({
      path: `${base}/permits/ingest`,
      init: json(freshIp(), { permits: [...shared, `own-${uid()}-${i}`].map((id) => ({ id })) }),
    }));
    for (const r of answers) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const accepted = answers.flatMap((r) => r.body.accepted as string[]);
    for (const id of shared) expect(accepted.filter((x) => x === id), id).toHaveLength(1);
    expect(accepted.filter((x) => x.startsWith("own-"))).toHaveLength(10);
    for (const r of answers) expect([...r.body.accepted, ...r.body.duplicates].sort()).toHaveLength(21);
  });

  it("lock exclusion: while another holder has `ingest-permits`, both instances wait, then answer 503 lock-busy", async () => {
    const kit = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: prefix } });
    const held = await createLocks(kit).acquireLock("ingest-permits", { lease: "20 s", retry: false, holder: "e2e-test" });
    expect(held.acquired).toBe(true);
    if (!held.acquired) return;
    try {
      const started = Date.now();
      const answers = await burst(2, () => ({ path: `${base}/permits/ingest`, init: json(freshIp(), { permits: [{ id: `locked-${uid()}` }] }) }));
      for (const r of answers) {
        expect(r.status).toBe(503);
        expect(r.body.type).toBe("https://edge-kit.dev/problems/lock-busy");
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      // They waited for the lock (maxWait 2 s) instead of failing at once; generous bound, no timing claim.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    } finally {
      await held.lease.release();
    }
    const [after] = await burst(1, () => ({ path: `${base}/permits/ingest`, init: json(freshIp(), { permits: [{ id: `free-${uid()}` }] }) }));
    expect(after!.status).toBe(200);
  });

  it("cache stampede: 10 concurrent reads of a cold item on both instances load it once (1 MISS, 9 HIT)", async () => {
    const id = `stampede-${uid()}`;
    const answers = await burst(10, () => ({ path: `${base}/items/${id}`, init: { headers: { "x-forwarded-for": freshIp() } } }));
    for (const r of answers) expect(r.status).toBe(200);
    const states = answers.map((r) => r.headers.get("x-cache"));
    expect(states.filter((s) => s === "MISS"), states.join(",")).toHaveLength(1);
    expect(states.filter((s) => s === "HIT")).toHaveLength(9);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });
});
