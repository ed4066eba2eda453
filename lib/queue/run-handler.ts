/**
 * Runs one handler under a time limit. A handler cannot be killed, so on timeout its signal is
 * aborted and the run is *reported* as failed; whatever it still does afterwards is covered by the
 * at-least-once contract (handlers are idempotent by `jobId`).
 */
import { JobTimeoutError } from "./errors";
import type { JobContext, JobDefinition } from "./job-definition";

/** `timedOut`: the limit passed in ran out (as opposed to the handler throwing on its own). */
export type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown; timedOut?: true };

export async function runHandler(
  definition: JobDefinition,
  payload: unknown,
  context: Omit<JobContext, "signal">,
  timeoutMs: number,
): Promise<HandlerOutcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<HandlerOutcome>((resolve) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(context.type, timeoutMs);
      controller.abort(error);
      resolve({ ok: false, error, timedOut: true });
    }, timeoutMs);
  });
  // `new Promise` so a handler that throws synchronously is a failed attempt, not a crash.
  const run = new Promise<unknown>((resolve) => resolve(definition.handler(payload, { ...context, signal: controller.signal }))).then(
    (value): HandlerOutcome => ({ ok: true, value }),
    (error: unknown): HandlerOutcome => ({ ok: false, error }),
  );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
