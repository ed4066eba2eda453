/**
 * Cross-instance stampede protection, with real processes: several `tsx` workers (each its own kit,
 * client and in-process single-flight map) miss the same key at the same moment; the loader — which
 * INCRs a Redis counter — runs once in total, and every caller in every process gets its value.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const WORKER = fileURLToPath(new URL("./stampede-worker.ts", import.meta.url));
const PROCESSES = 4;
const CONCURRENCY = 10;

interface Worker {
  /** Resolves once the worker has built its kit and waits for the start signal. */
  ready: Promise<void>;
  go(): void;
  /** The values its callers got. */
  done: Promise<unknown[]>;
}

function startWorker(env: Record<string, string>, args: string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (d) => {
    out += d;
    if (out.startsWith("ready\n")) markReady();
  });
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise<unknown[]>((resolve, reject) => {
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
  return { ready: Promise.race([ready, done.then(() => undefined)]), go: () => child.stdin.end("go\n"), done };
}

/**
 * Every worker boots (tsx startup takes seconds on a busy CI box), says ready, and only then are all
 * told to go at once: a barrier, not a start time guessed in advance, so a slow boot cannot turn
 * "concurrent" into "one after the other".
 */
async function runTogether(env: Record<string, string>, args: string[]): Promise<unknown[]> {
  const workers = Array.from({ length: PROCESSES }, () => startWorker(env, args));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  return (await Promise.all(workers.map((w) => w.done))).flat();
}

async function stampede(mode: "miss" | "stale", key: string) {
  const kit = createTestKit();
  const target = upstashTarget();
  const env = { UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token, EDGE_KIT_KEY_PREFIX: kit.keys.prefix };
  const results = await runTogether(env, [key, String(CONCURRENCY), mode]);
  const loads = Number(await kit.redis!.get(kit.keys.counter(`stampede-loads-${key}`)));
  return { kit, results: results as { load: number; by: number }[], loads };
}

describe("stampede protection across processes", () => {
  it(`${PROCESSES} processes × ${CONCURRENCY} concurrent misses call the loader once; everyone gets that value`, async () => {
    const { results, loads } = await stampede("miss", "cold");
    expect(results).toHaveLength(PROCESSES * CONCURRENCY);
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]).toMatchObject({ load: 1 });
  }, 60_000);

  it("a stale entry seen by every process at once is refreshed once; all callers get the stale value at once", async () => {
    const kit = createTestKit();
    const key = "warm";
    // Seed a stale-servable entry under the same prefix the workers will use.
    const seeded = kit.cache.withNamespace("stampede");
    await seeded.set(key, { load: 0, by: 0 }, { ttl: "1 ms", staleWhileRevalidate: "1 m" });
    const target = upstashTarget();
    const env = { UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token, EDGE_KIT_KEY_PREFIX: kit.keys.prefix };
    const results = await runTogether(env, [key, String(CONCURRENCY), "stale"]);
    expect(results).toHaveLength(PROCESSES * CONCURRENCY);
    expect(results.every((r) => JSON.stringify(r) === JSON.stringify({ load: 0, by: 0 }))).toBe(true);
    expect(Number(await kit.redis!.get(kit.keys.counter(`stampede-loads-${key}`)))).toBe(1);
    expect(await seeded.get(key)).toMatchObject({ load: 1 });
  }, 60_000);
});
