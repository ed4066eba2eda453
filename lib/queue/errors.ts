/**
 * Typed queue errors (stable codes in lib/errors.ts). Bad input to `enqueue` throws one of the first
 * two *before* anything is written, so a rejected job is never half-enqueued.
 */
import { KitError } from "../errors";

/** One problem found in a payload, in a shape an HTTP layer can return as-is (RFC 9457 extension). */
export interface PayloadIssue {
  /** Dotted path into the payload (`"order_id"`, `"items.0.sku"`); `""` for the payload itself. */
  path: string;
  message: string;
}

/** `enqueue` was given a job type that is not in the registry. */
export class UnknownJobTypeError extends KitError {
  readonly jobType: string;
  constructor(jobType: string, known: readonly string[]) {
    super("E_QUEUE_UNKNOWN_JOB_TYPE", `Unknown job type "${jobType}" (registered: ${known.join(", ") || "none"})`, {
      context: { jobType, known },
    });
    this.jobType = jobType;
  }
}

/** The payload failed the job type's zod schema; nothing was enqueued. */
export class InvalidPayloadError extends KitError {
  readonly jobType: string;
  readonly issues: readonly PayloadIssue[];
  constructor(jobType: string, issues: readonly PayloadIssue[]) {
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super("E_QUEUE_INVALID_PAYLOAD", `Invalid payload for job type "${jobType}": ${summary}`, {
      context: { jobType, issues },
    });
    this.jobType = jobType;
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * A handler ran past its time limit: its own `timeout` (a failed attempt), or what was left of the
 * consume budget (the job is handed back at the same attempt; see consumer.ts).
 */
export class JobTimeoutError extends KitError {
  constructor(jobType: string, timeoutMs: number) {
    super("E_QUEUE_JOB_TIMEOUT", `Job "${jobType}" did not finish within ${timeoutMs} ms`, {
      retryable: true,
      context: { jobType, timeoutMs },
    });
  }
}
