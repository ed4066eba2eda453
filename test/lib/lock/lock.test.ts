/**
 * lib/lock against the real upstash-local + redis-server: owner tokens, fencing numbers, leases in
 * milliseconds, expiry and takeover, retries, withLock renewal and release.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_TTLS } from "@/lib/keys";
import { createLocks, LOCK_ACQUIRE, LockLostError, LockNotAcquiredError, retryDelayMs, type Lease } from "@/lib/lock";
import { readCounts } from "@/lib/observability";
import { runScript } from "@/lib/redis";
import { createTestKit } from "../../setup/kit";
import { testRedis } from "../../setup/redis";

const kit = createTestKit();
const locks = createLocks(kit);
const raw = testRedis();
let n = 0;
const lockName = () => `job-${++n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function acquired(result: Awaited<ReturnType<typeof locks.acquireLock>>): Lease {
  if (!result.acquired) throw new Error(`expected the lock, held by ${JSON.stringify(result.heldBy)}`);
  return result.lease;
}

afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

describe("acquireLock", () => {
  it("grants a lease with an owner token and a fence, and says who holds it to everyone else", async () => {
    const name = lockName();
    const lease = acquired(await locks.acquireLock(name, { lease: "10 s", holder: "ingest-job" }));
    expect(lease).toMatchObject({ name, fence: 1, leaseMs: 10_000, shared: true });
    expect(lease.token).toMatch(/^[0-9a-f]{32}#ingest-job$/);
    expect(Object.isFrozen(lease)).toBe(true);
    expect(await raw.get(kit.keys.lock(name))).toBe(lease.token);

    const other = await locks.acquireLock(name, { retry: false });
    expect(other.acquired).toBe(false);
    if (other.acquired) return;
    expect(other.attempts).toBe(1);
    expect(other.heldBy.holder).toBe("ingest-job");
    expect(other.heldBy.fence).toBe(1);
    expect(other.heldBy.expiresInMs).toBeGreaterThan(5_000);
    expect(other.heldBy.expiresInMs).toBeLessThanOrEqual(10_000);
    expect(JSON.stringify(other)).not.toContain(lease.token.slice(0, 32)); // the secret part never leaks
    await expect(lease.release()).resolves.toEqual({ released: true });
    expect(await raw.exists(kit.keys.lock(name))).toBe(0);
  });

  it("defaults to the 5 minute job lease, in milliseconds (PX)", async () => {
    const name = lockName();
    const lease = acquired(await locks.acquireLock(name));
    expect(lease.leaseMs).toBe(DEFAULT_TTLS.lock.jobLeaseMs);
    const pttl = await raw.pttl(kit.keys.lock(name));
    expect(pttl).toBeGreaterThan(DEFAULT_TTLS.lock.jobLeaseMs - 5_000);
    expect(pttl).toBeLessThanOrEqual(DEFAULT_TTLS.lock.jobLeaseMs);
    await lease.release();
  });

  it("hands out strictly increasing fencing numbers across acquisitions, and keeps the counter after release", async () => {
    const name = lockName();
    const fences: number[] = [];
    for (let i = 0; i < 15; i++) {
      const lease = acquired(await locks.acquireLock(name, { lease: "5 s", retry: false }));
      fences.push(lease.fence);
      await lease.release();
    }
    expect(fences).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(await raw.ttl(kit.keys.lockFence(name))).toBe(-1);
  });

  it("is idempotent by owner token: a retried acquire (lost answer) gets its own fence back instead of blocking itself", async () => {
    const name = lockName();
    const keys = [kit.keys.lock(name), kit.keys.lockFence(name)];
    const first = await runScript(raw, LOCK_ACQUIRE, keys, ["my-token", 5000]);
    const retried = await runScript(raw, LOCK_ACQUIRE, keys, ["my-token", 5000]);
    expect(first).toEqual([1, 1, 5000]);
    expect(retried).toEqual([1, 1, 5000]);
    const stranger = await runScript(raw, LOCK_ACQUIRE, keys, ["other-token", 5000]);
    expect(stranger[0]).toBe(0);
  });

  it("rejects leases too short to be granted and bad retry settings before sending anything", async () => {
    await expect(locks.acquireLock(lockName(), { lease: 5 })).rejects.toThrow(RangeError);
    await expect(locks.acquireLock(lockName(), { retry: { attempts: 0 } })).rejects.toThrow(RangeError);
    await expect(locks.acquireLock(lockName(), { lease: "soon" as never })).rejects.toThrow(RangeError);
  });
});

describe("owner-only release and extend", () => {
  it("refuses release and extend by a lease that has expired and been taken over", async () => {
    const name = lockName();
    const stale = acquired(await locks.acquireLock(name, { lease: "150 ms" }));
    await sleep(250);
    const current = acquired(await locks.acquireLock(name, { lease: "10 s", retry: false }));
    expect(current.fence).toBe(stale.fence + 1);

    await expect(stale.release()).resolves.toEqual({ released: false, reason: "lost" });
    await expect(stale.extend("10 s")).resolves.toEqual({ extended: false, reason: "lost" });
    expect(await raw.get(kit.keys.lock(name))).toBe(current.token); // untouched
    expect((await locks.acquireLock(name, { retry: false })).acquired).toBe(false);
    await expect(current.release()).resolves.toEqual({ released: true });
  });

  it("extends with millisecond precision (PEXPIRE), returning a new immutable handle", async () => {
    const name = lockName();
    const lease = acquired(await locks.acquireLock(name, { lease: "1 s" }));
    const result = await lease.extend("2750 ms"); // @upstash/lock sends EXPIRE 2.75 here and fails
    expect(result.extended).toBe(true);
    if (!result.extended) return;
    expect(result.lease).not.toBe(lease);
    expect(result.lease).toMatchObject({ fence: lease.fence, token: lease.token, leaseMs: 2750 });
    expect(result.lease.validUntil).toBeGreaterThan(lease.validUntil);
    expect(lease.leaseMs).toBe(1000); // the old handle did not change
    const pttl = await raw.pttl(kit.keys.lock(name));
    expect(pttl).toBeGreaterThan(2000);
    expect(pttl).toBeLessThanOrEqual(2750);
    await lease.release(); // the same token: the old handle can still release
    expect(await raw.exists(kit.keys.lock(name))).toBe(0);
  });
});

describe("waiting for a held lock", () => {
  it("takes the lock over once the holder's lease expires (waits no longer than the lease)", async () => {
    const name = lockName();
    const crashed = acquired(await locks.acquireLock(name, { lease: "300 ms" })); // never released
    const result = await locks.acquireLock(name, { retry: { attempts: 10, delay: "200 ms" } });
    const lease = acquired(result);
    expect(lease.fence).toBe(crashed.fence + 1);
    expect(result.attempts).toBeGreaterThan(1);
    expect(result.waitedMs).toBeGreaterThan(0);
    await lease.release();
  });

  it("gets the lock as soon as the holder releases it", async () => {
    const name = lockName();
    const holder = acquired(await locks.acquireLock(name, { lease: "30 s" }));
    setTimeout(() => void holder.release(), 150);
    const lease = acquired(await locks.acquireLock(name, { retry: { attempts: 20, delay: "50 ms" } }));
    expect(lease.fence).toBe(holder.fence + 1);
    await lease.release();
  });

  it("gives up after its tries (3 by default) or its maxWait, with who holds it", async () => {
    const name = lockName();
    const holder = acquired(await locks.acquireLock(name, { lease: "30 s", holder: "slow-job" }));
    const byTries = await locks.acquireLock(name, { retry: { delay: "20 ms" } });
    expect(byTries).toMatchObject({ acquired: false, attempts: 3, heldBy: { holder: "slow-job", fence: holder.fence } });
    const byTime = await locks.acquireLock(name, { retry: { attempts: 1000, delay: "50 ms", maxWait: "400 ms" } });
    expect(byTime.acquired).toBe(false);
    expect(byTime.waitedMs).toBeGreaterThanOrEqual(380);
    expect(byTime.waitedMs).toBeLessThan(5_000); // generous: only "bounded", not a timing target
    await holder.release();
  });

  it("spreads retries: exponential steps from the base delay, capped at 8×, jittered to 50-100 %", () => {
    expect(retryDelayMs(200, 0, 0)).toBe(100);
    expect(retryDelayMs(200, 0, 0.999)).toBeLessThanOrEqual(200);
    expect(retryDelayMs(200, 1, 0)).toBe(200);
    expect(retryDelayMs(200, 10, 0.999)).toBeLessThanOrEqual(1600);
    expect(retryDelayMs(200, 10, 0)).toBe(800);
  });
});

describe("withLock", () => {
  it("returns fn's value and releases the lock", async () => {
    const name = lockName();
    const value = await locks.withLock(name, async ({ lease }) => {
      expect(await raw.get(kit.keys.lock(name))).toBe(lease.token);
      return lease.fence * 10;
    });
    expect(value).toBe(10);
    expect(await raw.exists(kit.keys.lock(name))).toBe(0);
  });

  it("releases the lock when fn throws, and rethrows fn's error", async () => {
    const name = lockName();
    const boom = new Error("boom");
    await expect(locks.withLock(name, () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(locks.withLock(name, () => { throw boom; })).rejects.toBe(boom);
    expect(await raw.exists(kit.keys.lock(name))).toBe(0);
    expect(acquired(await locks.acquireLock(name, { retry: false })).fence).toBe(3);
  });

  it("fn's error wins over a release that fails with a Redis error reply (the release problem is logged)", async () => {
    const name = lockName();
    const boom = new Error("boom");
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      // A foreign write replaces the lock key while fn runs: the release script's GET then fails (WRONGTYPE).
      const run = locks.withLock(name, async () => {
        await raw.del(kit.keys.lock(name));
        await raw.hset(kit.keys.lock(name), { foreign: "1" });
        throw boom;
      });
      await expect(run).rejects.toBe(boom);
    } finally {
      console.error = original;
      await raw.del(kit.keys.lock(name));
    }
    expect(errors.length).toBeGreaterThan(0);
  });

  it("throws LockNotAcquiredError (E_LOCK_NOT_ACQUIRED, with the holder's remaining lease) and never runs fn", async () => {
    const name = lockName();
    const holder = acquired(await locks.acquireLock(name, { lease: "20 s" }));
    let ran = false;
    const error = await locks.withLock(name, () => { ran = true; }, { retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockNotAcquiredError);
    expect(error).toMatchObject({ code: "E_LOCK_NOT_ACQUIRED", retryable: true, heldBy: { fence: holder.fence } });
    expect((error as LockNotAcquiredError).context.retryAfterMs).toBeGreaterThan(10_000);
    expect(ran).toBe(false);
    await holder.release();
  });

  it("renews the lease while fn runs longer than the lease, so nobody else gets in", async () => {
    const name = lockName();
    const intruders: boolean[] = [];
    await locks.withLock(name, async ({ lease, signal }) => {
      for (let i = 0; i < 4; i++) {
        await sleep(200); // 800 ms in all, lease 300 ms
        intruders.push((await locks.acquireLock(name, { retry: false })).acquired);
      }
      expect(signal.aborted).toBe(false);
      expect(await raw.get(kit.keys.lock(name))).toBe(lease.token);
    }, { lease: "300 ms" });
    expect(intruders).toEqual([false, false, false, false]);
    expect(await raw.exists(kit.keys.lock(name))).toBe(0);
  });

  it("aborts fn's signal with LockLostError when a renewal finds the lock taken", async () => {
    const name = lockName();
    const reason = await locks.withLock(name, async ({ signal }) => {
      await raw.set(kit.keys.lock(name), "someone-else", { px: 10_000 }); // e.g. expired during a pause, then taken
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      return signal.reason;
    }, { lease: "300 ms" });
    expect(reason).toBeInstanceOf(LockLostError);
    expect(reason).toMatchObject({ code: "E_LOCK_LOST", context: { why: "taken" } });
    expect(await raw.get(kit.keys.lock(name))).toBe("someone-else"); // the release did not delete another owner's lock
  });

  it("counts acquisitions, contention, wait time and lost leases in the shared counters", async () => {
    const name = lockName();
    const before = await readCounts(kit, "lock");
    const holder = acquired(await locks.acquireLock(name, { lease: "200 ms" }));
    acquired(await locks.acquireLock(name, { retry: { attempts: 10, delay: "100 ms" } })); // waits for the expiry
    await holder.release(); // lost: expired and taken
    await sleep(100); // counter writes are fire-and-forget
    const after = await readCounts(kit, "lock");
    const delta = (f: string) => (after[f] ?? 0) - (before[f] ?? 0);
    expect(delta("acquired")).toBe(2);
    expect(delta("contended")).toBe(1);
    expect(delta("waitMs")).toBeGreaterThan(0);
    expect(delta("lost")).toBe(1);
  });
});

describe("memory mode (no Redis configured)", () => {
  it("excludes callers within this instance only, and says so on every lease", async () => {
    const memoryKit = createTestKit({ memory: true });
    const a = createLocks(memoryKit);
    const b = createLocks(memoryKit); // another call site in the same isolate shares the same map
    const lease = acquired(await a.acquireLock("m", { lease: "10 s" }));
    expect(lease.shared).toBe(false);
    expect((await b.acquireLock("m", { retry: false })).acquired).toBe(false);
    await expect(lease.release()).resolves.toEqual({ released: true });
    expect(acquired(await b.acquireLock("m", { retry: false })).fence).toBe(2);
  });
});
