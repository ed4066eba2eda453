/**
 * Example job types and the job endpoints' logic, shared by both entry points (Next's
 * app/api/jobs/… and the Hono routes in edge/routes/jobs.ts), so both answer the same bytes:
 *   POST /jobs {type, payload, dedupe_id?} → 202 {id, status, mode, duplicate}
 *   GET /jobs/:id → 200 the status record, 404 problem+json when unknown or expired
 */
import { z } from "zod";
import { invalidBodyResponse, isUnavailableError, problemResponse, PROBLEM_TYPES, readJsonBody } from "../../lib/http";
import type { Kit } from "../../lib/kit";
import { createQueue, defineJob, defineJobs, InvalidPayloadError, UnknownJobTypeError, type Queue } from "../../lib/queue";

/** The example app's job types. Handlers are idempotent by key: delivery is at-least-once. */
export function exampleJobs(kit: Kit) {
  return defineJobs({
    /** Confirms an order: writes the confirmation record once per order id (a re-run overwrites it). */
    "order.confirm": defineJob({
      schema: z.object({ order_id: z.string().min(1).max(64) }),
      handler: async ({ order_id }, ctx) => {
        const confirmation = { order_id, job_id: ctx.jobId, confirmed_at: new Date(kit.clock.now()).toISOString() };
        if (kit.redis) await kit.redis.set(kit.keys.session("order-confirmation", order_id), confirmation, { ex: 7 * 86_400 });
        return confirmation;
      },
    }),
    /** Returns its message: the smallest job there is, for trying the queue out. */
    echo: defineJob({
      schema: z.object({ message: z.string().min(1).max(1000) }),
      handler: ({ message }) => ({ message }),
    }),
  });
}

export type ExampleJobs = ReturnType<typeof exampleJobs>;

const queues = new WeakMap<Kit, Queue<ExampleJobs>>();

/** The example app's queue, one per Kit (so per isolate). */
export function exampleQueue(kit: Kit): Queue<ExampleJobs> {
  let queue = queues.get(kit);
  if (!queue) {
    queue = createQueue(kit, { jobs: exampleJobs(kit) });
    queues.set(kit, queue);
  }
  return queue;
}

/** Keeps the platform alive until the promise settles (Next `after`, Workers/Vercel `waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

const MAX_BODY_BYTES = 64 * 1024;
const bodySchema = z.object({
  type: z.string().min(1).max(100),
  payload: z.unknown(),
  // Keyed in Redis: a bounded, glob-free charset keeps it a valid key part (never a 500 on odd input).
  dedupe_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:~-]+$/, "use letters, digits and . _ : ~ -").optional(),
});

/** Job ids are the UUIDs enqueue() generates; anything else cannot exist (and is never keyed). */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST /jobs. 400 for bad JSON, unknown type or invalid payload (naming each issue), 413, 503. */
export async function createJobResponse(kit: Kit, request: Request, waitUntil?: WaitUntil): Promise<Response> {
  const instance = new URL(request.url).pathname;
  const read = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, example: '{"type":"echo","payload":{"message":"hi"}}' });
  if (!read.ok) return read.response;
  const body = bodySchema.safeParse(read.value);
  if (!body.success) {
    return invalidBodyResponse("Invalid job request", "The body must be {type: string, payload: object, dedupe_id?: string}.", body.error.issues, instance);
  }
  const { type, payload, dedupe_id } = body.data;
  try {
    const result = await exampleQueue(kit).enqueueUnchecked(type, payload, {
      ...(dedupe_id ? { dedupe: { id: dedupe_id } } : {}),
      ...(waitUntil ? { waitUntil } : {}),
    });
    return new Response(JSON.stringify(result), {
      status: 202,
      headers: { "content-type": "application/json", "cache-control": "no-store", location: `${instance}/${result.id}` },
    });
  } catch (err) {
    if (err instanceof UnknownJobTypeError) {
      return badRequest(instance, "Unknown job type", err.message, [{ path: "type", message: `must be one of ${Object.keys(exampleQueue(kit).jobs).join(", ")}` }]);
    }
    if (err instanceof InvalidPayloadError) {
      return badRequest(instance, "Invalid job payload", err.message, err.issues.map((i) => ({ path: i.path ? `payload.${i.path}` : "payload", message: i.message })));
    }
    if (isUnavailableError(err)) return unavailable(instance, err.code);
    throw err;
  }
}

/** GET /jobs/:id. */
export async function jobStatusResponse(kit: Kit, id: string, instance: string): Promise<Response> {
  if (!JOB_ID.test(id)) return notFound(instance);
  try {
    const job = await exampleQueue(kit).getJob(id);
    if (!job) return notFound(instance);
    return new Response(JSON.stringify(job), { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  } catch (err) {
    if (isUnavailableError(err)) return unavailable(instance, err.code);
    throw err;
  }
}

/**
 * Enqueues the confirmation of a created order (the POST /orders hook). Deduplicated by order id for
 * 24 h: the same order's confirmation enqueued twice (this hook re-run for one order) is one job.
 * It does not protect a retried order creation: every creation draws a fresh random order_id, so a
 * retry that runs the handler again (no Idempotency-Key replay: a new key, or after the retention)
 * creates and confirms a second order. Only the Idempotency-Key stops that.
 */
export function enqueueOrderConfirmation(kit: Kit, orderId: string, waitUntil?: WaitUntil) {
  return exampleQueue(kit).enqueue("order.confirm", { order_id: orderId }, { dedupe: { id: `order-confirm:${orderId}`, window: "24 h" }, ...(waitUntil ? { waitUntil } : {}) });
}

function badRequest(instance: string, title: string, detail: string, errors?: { path: string; message: string }[]): Response {
  return problemResponse({ type: PROBLEM_TYPES.badRequest, title, status: 400, detail, instance, ...(errors ? { errors } : {}) });
}

function notFound(instance: string): Response {
  return problemResponse({ type: PROBLEM_TYPES.notFound, title: "Job not found", status: 404, detail: "Unknown job id, or its status has expired.", instance });
}

function unavailable(instance: string, code: string): Response {
  return problemResponse(
    { type: PROBLEM_TYPES.dependencyUnavailable, title: "The queue is unavailable", status: 503, instance, code },
    { headers: { "retry-after": "1" } },
  );
}
