/**
 * One attempt of one job, identical in stream and inline mode: parse the stored payload once,
 * then run the handler under its time limit. Never rejects, whatever the schema or the handler
 * throws: one job's failure must not take its batch siblings' outcomes with it.
 */
import { toMs } from "../duration";
import type { JobContext, JobDefinition } from "./job-definition";
import { parseStoredPayload } from "./payload";
import { runHandler } from "./run-handler";
import type { QueueSettings } from "./settings";

export type AttemptOutcome =
  | { kind: "completed"; value: unknown }
  /** A failed attempt: it counts against `maxAttempts`. */
  | { kind: "failed"; error: unknown }
  /** The stored payload fails this deployment's schema: retrying cannot help. */
  | { kind: "invalid"; reason: string }
  /**
   * The caller's budget (not the job's own time limit) stopped it: `started: false` = too little
   * budget was left to start it at all. Not the job's fault, so it is no attempt.
   */
  | { kind: "deferred"; started: boolean; error?: unknown };

/** The job type's own time limit. */
export function jobTimeoutMs(definition: JobDefinition, settings: QueueSettings): number {
  return definition.timeout === undefined ? settings.jobTimeoutMs : toMs(definition.timeout);
}

/**
 * @param availableMs what the caller can still give this job (what is left of a consume budget;
 *   `Infinity` inline); the handler's limit is the smaller of it and the job's own timeout.
 */
export async function runAttempt(
  definition: JobDefinition,
  storedPayload: unknown,
  context: Omit<JobContext, "signal">,
  limits: { ownTimeoutMs: number; availableMs: number },
): Promise<AttemptOutcome> {
  const { ownTimeoutMs, availableMs } = limits;
  if (!(availableMs >= 1)) return { kind: "deferred", started: false };
  try {
    const payload = parseStoredPayload(definition, storedPayload);
    if (!payload.ok) return "reason" in payload ? { kind: "invalid", reason: payload.reason } : { kind: "failed", error: payload.thrown };
    // Whole milliseconds: the limit appears in the JobTimeoutError message.
    const limitMs = Math.max(1, Math.floor(Math.min(ownTimeoutMs, availableMs)));
    const outcome = await runHandler(definition, payload.value, context, limitMs);
    if (outcome.ok) return { kind: "completed", value: outcome.value };
    // Cut off by the budget before its own limit: handed back, not charged.
    if (outcome.timedOut && limitMs < ownTimeoutMs) return { kind: "deferred", started: true, error: outcome.error };
    return { kind: "failed", error: outcome.error };
  } catch (error) {
    // runHandler itself does not throw; this keeps the "never rejects" promise unconditional.
    return { kind: "failed", error };
  }
}
