/**
 * The job as it travels through Redis: one JSON envelope (stream field `job`, delayed-set member,
 * dead-letter entry) plus the attempt number beside it, so Lua can route a job without decoding or
 * re-encoding the payload (cjson would turn `[]` into `{}` and 13-digit numbers into `1.7e+12`).
 */
import { z } from "zod";
import type { ResolvedBackoff } from "./backoff";

export interface JobEnvelope {
  /** Application-level id: stays the same across retries and requeues (stream ids do not). */
  id: string;
  type: string;
  /**
   * The payload as given to `enqueue` (the schema's *input*, validated there): parsed once by the
   * runner, so transforms and defaults run once.
   */
  payload: unknown;
  maxAttempts: number;
  backoff: ResolvedBackoff;
  enqueuedAt: number;
}

/** Decoding guard for what comes back from Redis: a corrupt entry is dead-lettered, never retried forever. */
export const jobEnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  payload: z.unknown(),
  maxAttempts: z.number().int().min(1),
  backoff: z.object({
    type: z.enum(["exponential", "fixed"]),
    delayMs: z.number().min(0),
    maxDelayMs: z.number().min(0),
    jitter: z.number().min(0).max(1),
  }),
  enqueuedAt: z.number(),
});

export function encodeEnvelope(envelope: JobEnvelope): string {
  return JSON.stringify(envelope);
}

/** Member of the delayed sorted set: `{attempt}:{envelope JSON}` (split on the first `:` by the scripts). */
export function delayedMember(attempt: number, envelopeJson: string): string {
  return `${attempt}:${envelopeJson}`;
}
