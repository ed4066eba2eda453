/**
 * Exactly-once across instances: several real processes, each with its own Kit and HTTP client,
 * hammer one Idempotency-Key at the same moment. The handler (whose side effect is an INCR) must run
 * exactly once; every other caller gets 409 or a byte-identical replay. And a process killed in the
 * middle of a request blocks its key only until the in-flight lease lapses.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";

const WORKER = join(__dirname, "fixtures/idempotency-worker.ts");
const target = upstashTarget();
const raw = testRedis();
const prefix = `t-eo-${crypto.randomUUID().slice(0, 8)}`;
const written: string[] = [];
afterAll(async () => {
  let cursor = "0";
  do {
    const [next, keys] = await raw.scan(cursor, { match: `${prefix}:*`, count: 500 });
    if (keys.length) await raw.del(...keys);
    cursor = String(next);
  } while (cursor !== "0");
  if (written.length) await raw.del(...written);
});

interface WorkerResult {
  status: number;
  replayed: string | null;
  retryAfter: string | null;
  body: string;
}

function startWorker(extra: Record<string, string>): { child: ChildProcess; stdout: Promise<string>; lines: (line: string) => Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    env: { ...process.env, WORKER_URL: target.url, WORKER_TOKEN: target.token, WORKER_PREFIX: prefix, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) if (out.split("\n").includes(w.line)) w.resolve();
  });
  child.stderr!.on("data", (chunk: Buffer) => void (err += chunk.toString()));
  const stdout = new Promise<string>((resolve, reject) =>
    child.on("exit", (code, signal) => (code === 0 ? resolve(out) : signal ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`)))),
  );
  const lines = (line: string) => new Promise<void>((resolve) => waiters.push({ line, resolve }));
  return { child, stdout, lines };
}

describe("exactly once across processes", () => {
  it("50 concurrent requests with one key from 5 processes: one execution; the rest 409 or a byte-identical replay", async () => {
    const key = crypto.randomUUID();
    const counterKey = `${prefix}-executions-${key}`;
    written.push(counterKey);
    // Far enough ahead for every process to boot (tsx + imports) before the shared start instant.
    const startAt = Date.now() + 6000;
    const workers = Array.from({ length: 5 }, () =>
      startWorker({
        WORKER_MODE: "burst",
        WORKER_KEY: key,
        WORKER_COUNTER_KEY: counterKey,
        WORKER_REQUESTS: "10",
        WORKER_START_AT: String(startAt),
        WORKER_JITTER_MS: "600",
        WORKER_HANDLER_MS: "150",
      }),
    );
    const results = (await Promise.all(workers.map((w) => w.stdout))).flatMap((out) => JSON.parse(out.trim().split("\n").at(-1)!) as WorkerResult[]);
    expect(results).toHaveLength(50);
    expect(Number(await raw.get(counterKey))).toBe(1);

    const originals = results.filter((r) => r.status === 201 && r.replayed === null);
    expect(originals).toHaveLength(1);
    const original = originals[0]!;
    expect(JSON.parse(original.body)).toMatchObject({ execution: 1 });
    const others = results.filter((r) => r !== original);
    for (const r of others) {
      if (r.status === 409) expect(r.retryAfter).toBe("1");
      else {
        expect(r).toMatchObject({ status: 201, replayed: "true" });
        expect(r.body).toBe(original.body);
      }
    }
    const conflicts = others.filter((r) => r.status === 409).length;
    console.info(`exactly-once: 1 execution, ${conflicts} × 409, ${others.length - conflicts} × replay (of 50, 5 processes)`);
  }, 60_000);
});

describe("a handler slower than its lease, across processes", () => {
  it("runs once: the claimer renews its lease while the handler runs, so late duplicates get 409 or the replay", async () => {
    const key = crypto.randomUUID();
    const counterKey = `${prefix}-executions-${key}`;
    written.push(counterKey);
    const startAt = Date.now() + 6000;
    // Lease 1.5 s, handler 4 s, duplicates spread over 5 s: most arrive after the lease granted at claim time.
    // (Renewals every 500 ms leave 1 s for a round trip while five Node processes share two cores.)
    const workers = Array.from({ length: 4 }, () =>
      startWorker({
        WORKER_MODE: "burst",
        WORKER_KEY: key,
        WORKER_COUNTER_KEY: counterKey,
        WORKER_REQUESTS: "5",
        WORKER_START_AT: String(startAt),
        WORKER_JITTER_MS: "5000",
        WORKER_HANDLER_MS: "4000",
        WORKER_LEASE: "1500 ms",
      }),
    );
    const results = (await Promise.all(workers.map((w) => w.stdout))).flatMap((out) => JSON.parse(out.trim().split("\n").at(-1)!) as WorkerResult[]);
    expect(results).toHaveLength(20);
    expect(Number(await raw.get(counterKey))).toBe(1);
    expect(results.filter((r) => r.status === 201 && r.replayed === null)).toHaveLength(1);
    for (const r of results) expect([201, 409]).toContain(r.status);
  }, 60_000);
});

describe("crash mid-request", () => {
  it("a killed process blocks the key (409) until its lease lapses; then a retry runs the handler and succeeds", async () => {
    const key = crypto.randomUUID();
    const counterKey = `${prefix}-executions-${key}`;
    written.push(counterKey);
    const worker = startWorker({ WORKER_MODE: "crash", WORKER_KEY: key, WORKER_COUNTER_KEY: counterKey, WORKER_LEASE: "1500 ms" });
    await worker.lines("started");
    worker.child.kill("SIGKILL");
    await worker.stdout;

    // This process plays the client's retry against another instance of the same app.
    const kit = createTestKit({ env: { EDGE_KIT_KEY_PREFIX: prefix, TRUST_PROXY: "true" } });
    const routes = defineRoutes([{ pattern: "/charge", methods: ["POST"], name: "charge", policy: { idempotency: { lease: "1500 ms" } } }]);
    const app = createApp(kit, { basePath: "/api/edge", routes });
    app.post("/charge", async (c) => c.json({ execution: await kit.redis!.incr(counterKey) }, 201));
    const retry = () =>
      app.request("/api/edge/charge", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key, "x-forwarded-for": "203.0.113.9" },
        body: '{"amount":1000,"currency":"eur"}',
      });

    expect((await retry()).status).toBe(409);
    const deadline = Date.now() + 10_000;
    let res = await retry();
    while (res.status === 409 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await retry();
    }
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ execution: 2 }); // the crashed attempt's run, then this one
    expect((await retry()).headers.get("idempotent-replayed")).toBe("true");
  }, 30_000);
});
