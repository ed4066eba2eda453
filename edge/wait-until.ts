/**
 * `waitUntil` for Hono handlers: the runtime's `executionCtx.waitUntil` where there is one (workerd,
 * Vercel, Next's mount passes one), so work that outlives the response is not frozen mid-flight.
 * Hono's getter throws where the runtime passed no execution context (plain Node, `app.request` in
 * tests): then the promise simply runs on, which a long-lived Node process allows.
 */
import type { Context } from "hono";

export type WaitUntil = (promise: Promise<unknown>) => void;

export function waitUntilOf(c: Context): WaitUntil {
  let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    ctx = undefined;
  }
  return (promise) => {
    // Callers hand over promises that never reject; the catch only keeps a broken contract from
    // becoming an unhandled rejection that kills a Node process.
    const settled = promise.catch((error: unknown) => console.error("[edge-kit] background task failed", error));
    ctx?.waitUntil(settled);
  };
}
