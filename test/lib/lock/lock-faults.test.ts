/**
 * Locks when Redis fails. The policy, visible in every answer:
 * - acquire is fail-closed: a typed E_REDIS_* error (HTTP 503), never a lease without Redis;
 * - release/extend never throw on an outage: `reason: "unavailable"` with the degraded reason;
 * - withLock aborts fn's signal once the lease can no longer be confirmed before its deadline.
 * Faults: msw in front of the shared upstash-local (5xx, dropped connections, garbage bodies) and
 * a private redis-server that the test stops.
 */
import { bypass, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { KitError } from "@/lib/errors";
import { createLocks, LOCK_ACQUIRE, LockLostError, type AcquireLockOptions } from "@/lib/lock";
import { spawnRedisServer } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal } from "@/tools/upstash-local/server";
import { createTestKit } from "../../setup/kit";
import { upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

// Breaker off so each call meets the fault itself; the breaker has its own test below.
const kit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0", REDIS_COMMAND_TIMEOUT_MS: "500" } });
const locks = createLocks(kit);
const failAll = (respond: () => Response) => msw.use(http.post(`${target.url}/*`, respond));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KitError);
  return (error as KitError).code;
}

describe("acquire is fail-closed", () => {
  it.each([
    ["HTTP 500", () => HttpResponse.json({ error: "internal" }, { status: 500 })],
    ["dropped connection", () => HttpResponse.error()],
    ["garbage body", () => new HttpResponse("<html>oops</html>", { status: 200 })],
  ])("%s → E_REDIS_UNAVAILABLE, and withLock never runs fn", async (_fault, respond) => {
    failAll(respond);
    expect(await codeOf(locks.acquireLock("closed-1"))).toBe("E_REDIS_UNAVAILABLE");
    let ran = false;
    expect(await codeOf(locks.withLock("closed-1", () => { ran = true; }))).toBe("E_REDIS_UNAVAILABLE");
    expect(ran).toBe(false);
  });

  it("with the breaker on, repeated failures open the circuit: later calls fail fast with E_CIRCUIT_OPEN", async () => {
    const breakerKit = createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "2", REDIS_BREAKER_COOLDOWN_MS: "60000" } });
    const breakerLocks = createLocks(breakerKit);
    failAll(() => HttpResponse.json({ error: "internal" }, { status: 500 }));
    expect(await codeOf(breakerLocks.acquireLock("cb"))).toBe("E_REDIS_UNAVAILABLE");
    expect(await codeOf(breakerLocks.acquireLock("cb"))).toBe("E_REDIS_UNAVAILABLE");
    expect(await codeOf(breakerLocks.acquireLock("cb"))).toBe("E_CIRCUIT_OPEN");
  });
});

describe("an acquire whose reply is lost after Redis granted it", () => {
  it("fails closed, releases its orphaned grant in the background, and the next try gets the lock at once", async () => {
    const background: Promise<unknown>[] = [];
    const noRetry = createLocks(createTestKit({ env: { REDIS_BREAKER_THRESHOLD: "0", REDIS_RETRIES: "0", EDGE_KIT_KEY_PREFIX: kit.keys.prefix } }));
    let lost = false;
    msw.use(
      http.post(`${target.url}/*`, async ({ request }) => {
        const sent = await request.clone().text();
        const real = await fetch(bypass(request));
        const text = await real.text();
        if (!lost && (sent.includes(LOCK_ACQUIRE.sha1) || sent.includes("-- lock-acquire")) && !text.includes("NOSCRIPT")) {
          lost = true; // the server ran the acquire; only its answer is dropped
          return HttpResponse.error();
        }
        return new HttpResponse(text, { status: real.status, headers: real.headers });
      }),
    );
    const options: AcquireLockOptions = { lease: "10 s", retry: false, waitUntil: (p) => void background.push(p) };
    expect(await codeOf(noRetry.acquireLock("orphan-1", options))).toBe("E_REDIS_UNAVAILABLE");
    expect(lost).toBe(true);
    msw.resetHandlers();
    await Promise.all(background);
    const retry = await noRetry.acquireLock("orphan-1", options);
    expect(retry.acquired).toBe(true); // not "held" for the 10 s lease of a grant nobody uses
    if (retry.acquired) await retry.lease.release();
  });
});

describe("release and extend report the outage instead of throwing", () => {
  it("release → unavailable (the lease then ends by itself); extend → unavailable", async () => {
    const result = await locks.acquireLock("outage-1", { lease: "400 ms" });
    if (!result.acquired) throw new Error("expected the lock");
    failAll(() => HttpResponse.json({ error: "internal" }, { status: 503 }));
    await expect(result.lease.release()).resolves.toEqual({ released: false, reason: "unavailable", degraded: "redis-error" });
    await expect(result.lease.extend()).resolves.toEqual({ extended: false, reason: "unavailable", degraded: "redis-error" });
    msw.resetHandlers();
    await sleep(500);
    const again = await locks.acquireLock("outage-1", { retry: false });
    expect(again.acquired).toBe(true); // expired on its own
    if (again.acquired) await again.lease.release();
  });

  it("withLock: renewals failing until the deadline abort fn's signal (unconfirmed), fn's result still returns", async () => {
    const reason = await locks.withLock(
      "outage-2",
      async ({ signal }) => {
        failAll(() => HttpResponse.error());
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return signal.reason;
      },
      { lease: "300 ms" },
    );
    expect(reason).toBeInstanceOf(LockLostError);
    expect(reason).toMatchObject({ code: "E_LOCK_LOST", context: { why: "unconfirmed" } });
  });
});

describe("a stopped redis-server behind a private upstash-local", () => {
  it("acquire fails closed while it is down and works again once it is back", async () => {
    const redis = await spawnRedisServer();
    const token = `lock-faults-${randomBytes(6).toString("hex")}`;
    const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
    try {
      const privateKit = createTestKit({ url: server.url, token, env: { REDIS_BREAKER_THRESHOLD: "0", REDIS_COMMAND_TIMEOUT_MS: "1000" } });
      const privateLocks = createLocks(privateKit);
      const lease = await privateLocks.acquireLock("down", { lease: "10 s" });
      expect(lease.acquired).toBe(true);
      await redis.stop();
      const code = await codeOf(privateLocks.acquireLock("down", { retry: false }));
      expect(["E_REDIS_UNAVAILABLE", "E_REDIS_TIMEOUT"]).toContain(code);
      if (lease.acquired) expect((await lease.lease.release()).released).toBe(false);
      const restarted = await spawnRedisServer({ port: redis.port });
      try {
        // upstash-local reconnects to the restarted server within a few seconds; poll until then.
        let after: Awaited<ReturnType<typeof privateLocks.acquireLock>> | undefined;
        for (let i = 0; i < 100 && !after; i++) {
          after = await privateLocks.acquireLock("down", { retry: false }).catch(async () => void (await sleep(100)));
        }
        expect(after?.acquired).toBe(true); // a fresh server: the old lease is gone with the data
      } finally {
        await restarted.stop();
      }
    } finally {
      await server.close();
    }
  });
});
