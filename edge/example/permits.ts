/**
 * POST /permits/ingest — the example route for locks + dedupe, shared by Next (`/api/permits/ingest`)
 * and Hono (`/api/edge/permits/ingest`): identical behaviour from one function over Web Request/Response.
 *
 * Body `{ permits: [{ id, … }] }` → under the lock `ingest-permits`, each id is checked and marked
 * as seen for 90 days (one round trip) → 200 `{ accepted: [id], duplicates: [id] }`.
 * A concurrent call waits for the lock up to `maxWait`, then 503 + Retry-After; bad bodies 400,
 * over-large bodies 413; Redis down → 503 (locks and dedupe are fail-closed). All errors problem+json.
 *
 * A request that fails after its ids were marked must not leave them marked, or the client's retry
 * would be answered "duplicates" and the permits dropped for 90 days. So: a mark that fails (a reply
 * lost after Redis applied it) is given back by lib/dedupe itself through `waitUntil`, and a
 * `process` step that throws gives back this call's marks (`forget(fresh, { token })`) before the
 * error answers. Left open: a client retry that arrives before the background give-back has run, or
 * a give-back that cannot reach Redis, still sees those ids as duplicates (lib/dedupe/dedupe.ts).
 */
import { z } from "zod";
import { toMs, type Duration } from "../../lib/duration";
import { createDedupe } from "../../lib/dedupe";
import { KitError } from "../../lib/errors";
import { invalidBodyResponse, problemResponse, PROBLEM_TYPES, readJsonBody } from "../../lib/http";
import { DEFAULT_TTLS } from "../../lib/keys";
import type { Kit } from "../../lib/kit";
import { createLocks, LockNotAcquiredError } from "../../lib/lock";

export const INGEST_LOCK = "ingest-permits";
export const PERMITS_DEDUPE_SCOPE = "permits";
export const MAX_PERMITS_PER_REQUEST = 1000;
const MAX_BODY_BYTES = 1_000_000;
const LOCK_BUSY_TYPE = "https://edge-kit.dev/problems/lock-busy";
const UNAVAILABLE_CODES = new Set(["E_REDIS_UNAVAILABLE", "E_REDIS_TIMEOUT", "E_CIRCUIT_OPEN"]);

/** A permit: an `id` (printable ASCII, ≤128 characters) plus any other fields, passed through. */
export const permitSchema = z.looseObject({
  id: z.string().regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 printable ASCII characters without spaces"),
});
export const ingestBodySchema = z.object({
  permits: z.array(permitSchema).min(1, "must list at least one permit").max(MAX_PERMITS_PER_REQUEST, `at most ${MAX_PERMITS_PER_REQUEST} permits per request`),
});

export type Permit = z.infer<typeof permitSchema>;

export interface IngestResult {
  accepted: string[];
  duplicates: string[];
}

export interface IngestPermitsOptions {
  /** How long a concurrent call waits for the lock before answering 503. @default "2 s" */
  maxWait?: Duration;
  /** Hand counter writes (and the give-back of a failed mark) to the platform so they outlive the response. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Ingests the new permits (one per fresh id), under the lock: pass `fence` to the store so it can
   * refuse a late holder. When it throws, this call's dedupe marks are given back and the error
   * propagates (a retry then accepts the permits again). @default nothing (the example has no store)
   */
  process?: (permits: readonly Permit[], ctx: { fence: number; signal: AbortSignal }) => Promise<void> | void;
}

export async function ingestPermits(kit: Kit, request: Request, options: IngestPermitsOptions = {}): Promise<Response> {
  const body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, example: '{"permits":[{"id":"P-1"}]}' });
  if (!body.ok) return body.response;
  const parsed = ingestBodySchema.safeParse(body.value);
  if (!parsed.success) {
    return invalidBodyResponse("Invalid permits body", "Expected { permits: [{ id, … }] }", parsed.error.issues);
  }
  const ids = parsed.data.permits.map((p) => p.id);
  const waitUntil = options.waitUntil;
  const locks = createLocks(kit);
  const permits = createDedupe(kit, { scope: PERMITS_DEDUPE_SCOPE, ...(waitUntil ? { waitUntil } : {}) });
  try {
    const result = await locks.withLock(
      INGEST_LOCK,
      async ({ lease, signal }): Promise<IngestResult> => {
        const { fresh, duplicates, token } = await permits.mark(ids);
        try {
          await options.process?.(firstOfEach(parsed.data.permits, fresh), { fence: lease.fence, signal });
        } catch (error) {
          // Nothing was ingested for sure: give the ids back so the client's retry is not refused.
          await permits.forget(fresh, { token }).catch((forgetError: unknown) => {
            console.warn(`[edge-kit] permits: could not give back ${fresh.length} dedupe marks after a failed ingest; they count as seen until they expire`, forgetError);
          });
          throw error;
        }
        return { accepted: fresh, duplicates };
      },
      {
        // Held within one request: a crashed function frees it in 15 s, not the 5 min job lease.
        lease: DEFAULT_TTLS.lock.requestLeaseMs,
        retry: { attempts: 1000, delay: "50 ms", maxWait: options.maxWait ?? "2 s" },
        holder: "permits.ingest",
        ...(waitUntil ? { waitUntil } : {}),
      },
    );
    return Response.json(result, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    const problem = problemFor(error);
    if (problem) return problem;
    throw error;
  }
}

/** The first permit of each id in `ids` (a repeated id in one body is ingested once). */
function firstOfEach(all: readonly Permit[], ids: readonly string[]): Permit[] {
  const wanted = new Set(ids);
  return all.filter((permit) => wanted.delete(permit.id));
}

/** The kit's own failures as HTTP problems; anything else is the caller's 500. */
function problemFor(error: unknown): Response | undefined {
  if (error instanceof LockNotAcquiredError) {
    const retryAfterMs = Math.max(1000, Math.min(Number(error.context.retryAfterMs) || 1000, toMs(DEFAULT_TTLS.lock.requestLeaseMs)));
    return problemResponse(
      {
        type: LOCK_BUSY_TYPE,
        title: "Another ingestion is running",
        status: 503,
        detail: `The lock "${INGEST_LOCK}" is held; retry after the Retry-After delay.`,
        code: error.code,
      },
      { headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) } },
    );
  }
  if (error instanceof KitError && UNAVAILABLE_CODES.has(error.code)) {
    const retryAfterMs = Number(error.context.retryAfterMs) || 1000;
    return problemResponse(
      { type: PROBLEM_TYPES.dependencyUnavailable, title: "A dependency is unavailable", status: 503, code: error.code },
      { headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } },
    );
  }
  return undefined;
}
