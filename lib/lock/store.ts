/**
 * Where lock state lives: the Redis scripts (shared by every instance), or a per-instance map in
 * memory mode (DESIGN.md §4: never pretending to be shared; leases say `shared: false`).
 * Both answer in the scripts' reply shapes, so acquire/release/extend logic exists once.
 */
import type { Clock } from "../clock";
import { runScript, type LockRedis } from "../redis";
import { LOCK_ACQUIRE, LOCK_EXTEND, LOCK_RELEASE, type AcquireReply } from "./scripts";

export interface LockStore {
  readonly shared: boolean;
  acquire(key: string, fenceKey: string, token: string, leaseMs: number): Promise<AcquireReply>;
  /** 1 released, 0 not ours. */
  release(key: string, token: string): Promise<0 | 1>;
  /** Remaining ms when extended, 0 when not ours. */
  extend(key: string, token: string, leaseMs: number): Promise<number>;
}

export function redisLockStore(redis: LockRedis): LockStore {
  return {
    shared: true,
    acquire: (key, fenceKey, token, leaseMs) => runScript(redis, LOCK_ACQUIRE, [key, fenceKey], [token, leaseMs]),
    release: (key, token) => runScript(redis, LOCK_RELEASE, [key], [token]),
    extend: (key, token, leaseMs) => runScript(redis, LOCK_EXTEND, [key], [token, leaseMs]),
  };
}

/** Same semantics as the scripts, over a Map, for memory mode. */
export function memoryLockStore(clock: Clock): LockStore {
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const fences = new Map<string, number>();
  const live = (key: string) => {
    const entry = locks.get(key);
    if (entry && entry.expiresAt <= clock.now()) {
      locks.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    shared: false,
    async acquire(key, fenceKey, token, leaseMs) {
      const current = live(key);
      if (!current || current.token === token) {
        locks.set(key, { token, expiresAt: clock.now() + leaseMs });
        const fence = current ? (fences.get(fenceKey) ?? 0) : (fences.get(fenceKey) ?? 0) + 1;
        fences.set(fenceKey, fence);
        return [1, fence, leaseMs];
      }
      const sep = current.token.indexOf("#");
      return [0, fences.get(fenceKey) ?? 0, current.expiresAt - clock.now(), sep === -1 ? "" : current.token.slice(sep + 1)];
    },
    async release(key, token) {
      if (live(key)?.token !== token) return 0;
      locks.delete(key);
      return 1;
    },
    async extend(key, token, leaseMs) {
      const current = live(key);
      if (current?.token !== token) return 0;
      current.expiresAt = clock.now() + leaseMs;
      return leaseMs;
    },
  };
}
