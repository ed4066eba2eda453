/**
 * The queue's two Redis failure policies, in one place:
 * - `mustReach`: fail closed. Enqueueing to the stream, fetching and settling must not pretend:
 *   a job that was not written must not be reported as queued (HTTP 503 upstream).
 * - `bestEffort`: fail open, the degraded reason returned. Status records and dedupe markers of the
 *   inline mode, where the job itself runs in-process whether Redis answers or not.
 */
import { guard } from "../resilience";
import type { DegradedReason } from "../resilience";
import type { QueueRuntime } from "./settings";

function budget(runtime: QueueRuntime): number {
  // The client aborts each request at commandTimeoutMs; the guard adds headroom for one pipeline.
  return runtime.kit.config.redisCommandTimeoutMs + 500;
}

export async function mustReach<T>(runtime: QueueRuntime, name: string, op: () => Promise<T>): Promise<T> {
  const { value } = await guard((_signal) => op(), {
    name,
    timeoutMs: budget(runtime),
    failPolicy: "closed",
    breaker: runtime.kit.breaker,
  });
  return value;
}

export async function bestEffort<T>(
  runtime: QueueRuntime,
  name: string,
  op: () => Promise<T>,
  fallback: T,
): Promise<{ value: T; degraded?: DegradedReason }> {
  const result = await guard((_signal) => op(), {
    name,
    timeoutMs: budget(runtime),
    failPolicy: "open",
    fallback: () => fallback,
    breaker: runtime.kit.breaker,
  });
  if (result.degraded) console.warn(`[edge-kit] ${name} degraded (${result.degraded}): Redis unreachable, continuing without it`);
  return result;
}
