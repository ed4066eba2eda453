/**
 * The cache's one path to Redis: every backend operation runs through `guardedBackend`, which applies
 * the kit's `guard()` (budget, breaker, fail policy) and answers from the per-instance memory store
 * when Redis is degraded (`open`) or throws (`closed`). Shared by backend.ts and lookup-or-lease.ts.
 */
import type { CacheRedis } from "../redis";
import { guard, type GuardResult } from "../resilience";
import type { BackendDeps, CacheDegradedReason } from "./backend";

export async function guardedBackend<T>(
  deps: BackendDeps,
  name: string,
  local: (reason: CacheDegradedReason) => T,
  operation: (redis: CacheRedis, signal: AbortSignal) => Promise<NoInfer<T>>,
): Promise<T> {
  const { redis, breaker, timeoutMs, emit, clock, failPolicy, onDegraded } = deps;
  if (!redis) {
    onDegraded("no-redis");
    return local("no-redis");
  }
  const common = { name, timeoutMs, breaker, emit, clock };
  // guard() calls `operation` synchronously: a caller batching this with other calls in one tick
  // (lib/gate) gets it into the same auto-pipelined request.
  const result: GuardResult<T> =
    failPolicy === "closed"
      ? await guard((signal) => operation(redis, signal), { ...common, failPolicy: "closed" })
      : await guard((signal) => operation(redis, signal), {
          ...common,
          failPolicy: "local",
          local: (reason) => {
            onDegraded(reason);
            return local(reason);
          },
        });
  return result.value;
}
