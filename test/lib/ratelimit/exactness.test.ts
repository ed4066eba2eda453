/**
 * Exactness across instances: several real processes (each its own kit, limiter instances and
 * caches, as separate serverless instances would be) send concurrent requests at ONE identity
 * through a fixed window of limit L; together they admit exactly L.
 */
import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { upstashTarget, uniquePrefix } from "../../setup/redis";

const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 40;
// More than one process can hold (40): the quota must be split across processes to be reached.
const LIMIT = 61;

function runWorker(env: NodeJS.ProcessEnv, args: string[]): Promise<{ allowed: number; degraded: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./exactness-worker.ts", import.meta.url).pathname, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!));
    });
  });
}

it(`${PROCESSES} processes × ${REQUESTS_PER_PROCESS} overlapping requests at one identity admit exactly L = ${LIMIT}`, async () => {
  // A fixed window is epoch-aligned: never straddle the hour boundary (2L would then be correct).
  const toBoundary = 3_600_000 - (Date.now() % 3_600_000);
  if (toBoundary < 30_000) await new Promise((r) => setTimeout(r, toBoundary + 100));

  const target = upstashTarget();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "test",
    UPSTASH_REDIS_REST_URL: target.url,
    UPSTASH_REDIS_REST_TOKEN: target.token,
    EDGE_KIT_KEY_PREFIX: uniquePrefix("exact").slice(0, -1).replace(":", "-"),
  };
  const ip = `192.0.2.${(process.pid % 250) + 1}`;
  // Start together once every process is up (tsx start-up takes a while on a busy machine).
  const startAt = String(Date.now() + 8000);
  const results = await Promise.all(
    Array.from({ length: PROCESSES }, () => runWorker(env, [ip, String(LIMIT), String(REQUESTS_PER_PROCESS), startAt])),
  );
  expect(results.reduce((n, r) => n + r.degraded, 0)).toBe(0);
  expect(results.reduce((n, r) => n + r.allowed, 0)).toBe(LIMIT);
  // The quota was split across processes (each alone can take at most 40 of the 61).
  expect(results.filter((r) => r.allowed > 0).length).toBeGreaterThan(1);
}, 60_000);
