/**
 * The status record of one job (GET /jobs/:id): a hash at `keys.queueJob(id)`, refreshed to the
 * status TTL on every update. Every field value is stored as JSON text, which `@upstash/redis`'s
 * automatic deserialisation turns back into exactly the value written (a bare string such as
 * `"123"` or `"true"` would otherwise come back as a number or a boolean).
 */
import { z } from "zod";

export type JobStatus = "queued" | "processing" | "completed" | "failed" | "dead";

/** How the job is executed: the Redis stream, or in-process right after the response. */
export type JobMode = "stream" | "inline";

export interface JobRecord {
  id: string;
  type: string;
  /**
   * `queued` (waiting, incl. delayed), `processing` (a handler runs it), `completed`, `failed` (the
   * last attempt failed and a retry is scheduled at `nextAttemptAt`), `dead` (attempts exhausted).
   */
  status: JobStatus;
  mode: JobMode;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  enqueuedAt: number;
  updatedAt: number;
  /** Earliest start of a delayed job. */
  runAt?: number;
  startedAt?: number;
  completedAt?: number;
  failedAt?: number;
  nextAttemptAt?: number;
  lastError?: string;
  /** The handler's return value when it is JSON and small (≤ 8 KB). */
  result?: unknown;
  dedupeId?: string;
}

const optionalTime = z.number().int().optional();

/** Read side: tolerate absent optional fields, reject anything that is not a job record. */
export const jobRecordSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(["queued", "processing", "completed", "failed", "dead"]),
  mode: z.enum(["stream", "inline"]),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  enqueuedAt: z.number().int(),
  updatedAt: z.number().int(),
  runAt: optionalTime,
  startedAt: optionalTime,
  completedAt: optionalTime,
  failedAt: optionalTime,
  nextAttemptAt: optionalTime,
  lastError: z.string().optional(),
  result: z.unknown().optional(),
  dedupeId: z.string().optional(),
});

/** Longest `lastError` kept: a stack-sized message must not bloat every status read. */
export const MAX_ERROR_LENGTH = 1000;
const MAX_RESULT_BYTES = 8192;

/** `{ field: JSON text }` for HSET; `undefined` fields are left out (never written as "undefined"). */
export function recordFields(update: Partial<JobRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(update)) {
    if (value !== undefined) out[field] = JSON.stringify(value);
  }
  return out;
}

/** Flat `[field, value, …]` for script ARGV. */
export function recordPairs(update: Partial<JobRecord>): string[] {
  return Object.entries(recordFields(update)).flat();
}

/** A handler's return value if it is worth keeping in the record, else undefined. */
export function storableResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const json = JSON.stringify(value);
    return json !== undefined && json.length <= MAX_RESULT_BYTES ? value : undefined;
  } catch {
    // Not JSON (a BigInt, a cycle): the job still completed, only its result is not shown.
    return undefined;
  }
}

/**
 * Error text for `lastError` (message only, truncated). Total: handlers can throw anything, and a
 * throw here would take the whole batch's outcomes down with it, so every conversion that can
 * itself throw (`String()` of a null-prototype object, a `toString` or `message` getter that
 * throws) falls back to a plainer description.
 */
export function errorText(error: unknown): string {
  const text = describeThrown(error);
  return wellFormed(text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text);
}

/**
 * Lone UTF-16 surrogates (a message holding one, or the cut above halving an emoji) → U+FFFD. The
 * text travels to the SETTLE script as JSON, and Lua's cjson rejects `\ud83d` without its pair:
 * the whole batch's settle would fail, its finished siblings re-run and then be dead-lettered.
 */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${String(error.name)}: ${String(error.message)}`;
    return String(error);
  } catch {
    // No usable string conversion (Object.create(null), a throwing toString or getter).
  }
  try {
    const json = JSON.stringify(error);
    if (json !== undefined) return `non-error thrown: ${json}`;
  } catch {
    // A cycle, a BigInt or a throwing toJSON: the tag below is all that can be said safely.
  }
  try {
    return `non-error thrown: ${Object.prototype.toString.call(error)}`;
  } catch {
    // A Proxy whose Symbol.toStringTag trap throws.
    return `non-error thrown: ${typeof error}`;
  }
}

/** Parses what HGETALL returned; `null` for a missing or unreadable record. */
export function parseJobRecord(raw: unknown): JobRecord | null {
  if (raw === null || typeof raw !== "object") return null;
  const parsed = jobRecordSchema.safeParse(raw);
  return parsed.success ? (parsed.data as JobRecord) : null;
}
