/**
 * The payload's two checks, one per side of the queue:
 * - `validateJob` (producer): the schema accepts the input, so a bad job is refused at `enqueue`
 *   with every issue, before anything is written. What is stored is the validated *input*, not
 *   the schema's output: the run parses it once more, and storing the output would run
 *   transforms twice (`z.number().transform((d) => d * 100)`: 5 → 500 → 50000).
 * - `parseStoredPayload` (both runners): the one parse whose output the handler gets, in stream
 *   and inline mode alike; a schema changed by a deploy in between is noticed here.
 * @see https://zod.dev/api#transforms (z.input vs z.output)
 */
import { InvalidPayloadError, UnknownJobTypeError, type PayloadIssue } from "./errors";
import type { JobDefinition, JobRegistry } from "./job-definition";

/** The stored payload as JSON sees it, or `undefined` when it has no JSON form (BigInt, cycle). */
function jsonForm(input: unknown): { value: unknown } | undefined {
  try {
    const json = JSON.stringify(input);
    return json === undefined ? undefined : { value: JSON.parse(json) as unknown };
  } catch {
    return undefined;
  }
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): PayloadIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/**
 * Checks `input` against the type's schema and returns what to store: the input as it will come
 * back from Redis (its JSON form). That form is what gets parsed, so what passes here also passes
 * at run time in this deployment — a `Date` for `z.date()` would not survive JSON and is refused
 * now rather than dead-lettered later.
 * @throws UnknownJobTypeError, InvalidPayloadError
 */
export function validateJob(jobs: JobRegistry, type: string, input: unknown): { definition: JobDefinition; payload: unknown } {
  const definition = Object.hasOwn(jobs, type) ? jobs[type] : undefined;
  if (!definition) throw new UnknownJobTypeError(type, Object.keys(jobs));
  const stored = jsonForm(input);
  if (!stored) throw new InvalidPayloadError(type, [{ path: "", message: "payload must be JSON-serialisable" }]);
  const parsed = definition.schema.safeParse(stored.value);
  if (parsed.success) return { definition, payload: stored.value };
  // Second parse only on failure, to tell "bad input" from "input that JSON changes".
  const direct = definition.schema.safeParse(input);
  if (!direct.success) throw new InvalidPayloadError(type, issuesOf(direct.error));
  throw new InvalidPayloadError(
    type,
    issuesOf(parsed.error).map((i) => ({ ...i, message: `not valid once stored as JSON (a Date, Map or undefined changes form): ${i.message}` })),
  );
}

export type ParsedPayload = { ok: true; value: unknown } | { ok: false; reason: string } | { ok: false; thrown: unknown };

/**
 * The handler's payload: `schema.parse(stored)`, exactly once per attempt. `reason` = the payload
 * fails this deployment's schema (retrying cannot help); `thrown` = the schema itself threw (a
 * refine or transform that throws instead of adding an issue), which counts as a failed attempt.
 */
export function parseStoredPayload(definition: JobDefinition, stored: unknown): ParsedPayload {
  try {
    const parsed = definition.schema.safeParse(stored);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, reason: `payload no longer valid: ${parsed.error.issues.map((i) => i.message).join("; ")}` };
  } catch (thrown) {
    return { ok: false, thrown };
  }
}
