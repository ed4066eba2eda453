/**
 * Mutual exclusion across processes: several Node processes (each its own kit and HTTP client, as
 * separate serverless instances would be) contend for one lock through the real upstash-local.
 * Every critical section logs enter/exit with its fence to one Redis list; the history must show
 * no overlap at all and fences strictly increasing by one.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const raw = testRedis();
const keyPrefix = uniquePrefix("lockproc").slice(0, -1).replace(":", "-");
const logKey = `${keyPrefix}:history`;
const WORKER = fileURLToPath(new URL("./lock-worker.ts", import.meta.url));
const PROCESSES = 4;
const ROUNDS = 25;

afterAll(async () => {
  const keys = await raw.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

function runWorker(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, target.url, target.token, keyPrefix, "contended", logKey, String(ROUNDS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
}

describe("lock across processes", () => {
  it(`never lets two of ${PROCESSES} processes into the critical section (${PROCESSES * ROUNDS} contended acquisitions)`, async () => {
    await Promise.all(Array.from({ length: PROCESSES }, runWorker));
    const history = (await raw.lrange<string>(logKey, 0, -1)).map((line) => {
      const [event, fence, pid] = line.split(" ");
      return { event, fence: Number(fence), pid };
    });
    expect(history).toHaveLength(PROCESSES * ROUNDS * 2);
    let lastFence = 0;
    for (let i = 0; i < history.length; i += 2) {
      const enter = history[i]!;
      const exit = history[i + 1]!;
      // Strict alternation: nobody entered before the previous holder exited.
      expect(enter.event).toBe("enter");
      expect(exit).toEqual({ event: "exit", fence: enter.fence, pid: enter.pid });
      expect(enter.fence).toBe(lastFence + 1); // strictly increasing, no grant lost or repeated
      lastFence = enter.fence;
    }
    expect(new Set(history.map((h) => h.pid)).size).toBe(PROCESSES); // really contended by all
  }, 120_000);
});
