/**
 * Job types: a zod payload schema plus a handler, declared once and shared by the producer (which
 * validates) and the consumer (which runs). The registry is the app's; the kit only executes it.
 */
import type { z } from "zod";
import type { Duration } from "../duration";
import type { BackoffOptions } from "./backoff";

/** What a handler is told about the run it is in. */
export interface JobContext {
  readonly jobId: string;
  readonly type: string;
  /**
   * 1 on the first run; delivery is at-least-once, so the same attempt can also be re-run after a
   * crash, or after the consume budget cut it off (that run is not charged as an attempt).
   */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the job was first enqueued (ms since epoch). */
  readonly enqueuedAt: number;
  /** Aborted when the handler's time limit runs out: pass it to fetch(), check it between steps. */
  readonly signal: AbortSignal;
}

/**
 * One job type. The handler must be idempotent (use `jobId` as the key of its side effects):
 * delivery is at-least-once, as in every queue that survives crashes.
 */
export interface JobDefinition<TSchema extends z.ZodType = z.ZodType> {
  schema: TSchema;
  handler: (payload: z.output<TSchema>, context: JobContext) => unknown | Promise<unknown>;
  /** Runs before the job is dead-lettered, including the first. @default queue's `maxAttempts` (3) */
  maxAttempts?: number;
  /** @default exponential from 1 s, doubling, capped at 5 min, 50 % jitter */
  backoff?: BackoffOptions;
  /** A run taking longer counts as a failed attempt (the handler's signal is aborted). @default "30 s" */
  timeout?: Duration;
}

/** Any registry: job type name → definition. */
export type JobRegistry = Record<string, JobDefinition>;

/** Payload accepted by `enqueue` for job type `K` (the schema's input, before defaults/transforms). */
export type JobPayload<R extends JobRegistry, K extends keyof R> = z.input<R[K]["schema"]>;

/**
 * Declares one job type with its payload type inferred from the schema.
 * @example
 * const echo = defineJob({ schema: z.object({ message: z.string() }), handler: ({ message }) => message });
 */
export function defineJob<TSchema extends z.ZodType>(definition: JobDefinition<TSchema>): JobDefinition<TSchema> {
  return definition;
}

/** Declares a registry; keeps each entry's exact type for `enqueue`'s payload checking. */
export function defineJobs<const R extends Record<string, JobDefinition<any>>>(registry: R): R {
  for (const [type, definition] of Object.entries(registry)) {
    if (!type) throw new RangeError("Job type names must not be empty");
    if (typeof definition.handler !== "function") throw new TypeError(`Job type "${type}" has no handler`);
  }
  return Object.freeze(registry);
}
