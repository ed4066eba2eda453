/**
 * The transaction pool after a Redis outage: a connection still waiting out its reconnect back-off
 * when Redis comes back must not fail the next `/multi-exec` (CI failure of the previous landing:
 * "Stream isn't writeable and enableOfflineQueue options is false" right after a restart).
 */
import { afterEach, describe, expect, it } from "vitest";
import { TransactionPool } from "../../../tools/upstash-local/pool";
import { freePort, spawnRedisServer, type SpawnedRedis } from "../../../tools/upstash-local/redis-server";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Long enough for the back-off to grow to its 500 ms step (50 ms × attempt). */
const OUTAGE_MS = 1_500;

async function poolDuringOutage(): Promise<{ pool: TransactionPool; port: number }> {
  const port = await freePort();
  const pool = new TransactionPool(`redis://127.0.0.1:${port}`, 1, () => {}, 1_000);
  cleanups.push(() => pool.close());
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  return { pool, port };
}

async function startRedis(port: number): Promise<SpawnedRedis> {
  const redis = await spawnRedisServer({ port });
  cleanups.push(() => redis.stop());
  return redis;
}

describe("TransactionPool", () => {
  it("waits for a reconnecting connection once Redis is reachable again", async () => {
    const { pool, port } = await poolDuringOutage();
    expect(pool.statuses).toEqual(["reconnecting"]); // the scenario: its only connection is in back-off
    await startRedis(port);
    const conn = await pool.acquire(() => true);
    expect(conn.status).toBe("ready");
    expect(await conn.ping()).toBe("PONG");
    pool.release(conn);
  });

  it("hands out the not-ready connection at once while Redis is down, so the call fails fast", async () => {
    const { pool } = await poolDuringOutage();
    const conn = await pool.acquire(() => false);
    // Handed out as it was, not awaited: still in back-off, so the command fails instead of queueing.
    expect(conn.status).toBe("reconnecting");
    await expect(conn.ping()).rejects.toThrow(/enableOfflineQueue/);
    pool.release(conn);
  });
});
