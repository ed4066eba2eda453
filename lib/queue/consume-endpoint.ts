/**
 * The HTTP face of `consume()` for schedulers: Vercel Cron (GET with `Authorization: Bearer
 * $CRON_SECRET`), QStash or any scheduler that can send the header (GET or POST).
 * @see https://vercel.com/docs/cron-jobs/manage-cron-jobs#securing-cron-jobs
 */
import { errorResponse, isUnavailableError, problemResponse, PROBLEM_TYPES, verifyBearer } from "../http";
import type { JobRegistry } from "./job-definition";
import type { Queue } from "./queue";

export interface ConsumeEndpointOptions {
  /** `config.cronSecret`; `null` refuses every call (fail closed: an open consumer is a DoS lever). */
  secret: string | null;
  /** Upper bound of one call's budget; `?budgetMs=` may ask for less (never more). */
  budgetMs: number;
  /** @default 10 */
  batchSize?: number;
}

/**
 * Authenticates, then consumes until the budget is spent. 401 problem+json without the secret;
 * 200 `{ consumer, batches, fetched, completed, … }` otherwise. Safe to call concurrently.
 */
export async function handleConsumeRequest<R extends JobRegistry>(request: Request, queue: Queue<R>, options: ConsumeEndpointOptions): Promise<Response> {
  // Constant-time (lib/http verifyBearer); an unset secret never matches.
  if (!(await verifyBearer(request.headers.get("authorization"), options.secret))) {
    return problemResponse(
      {
        type: PROBLEM_TYPES.unauthorized,
        title: "Unauthorized",
        status: 401,
        detail: options.secret === null ? "CRON_SECRET is not configured: the queue consumer refuses every call" : "Send Authorization: Bearer <CRON_SECRET>",
      },
      { headers: { "www-authenticate": 'Bearer realm="queue-consumer"' } },
    );
  }
  const asked = Number(new URL(request.url).searchParams.get("budgetMs"));
  const budgetMs = Number.isFinite(asked) && asked > 0 ? Math.min(asked, options.budgetMs) : options.budgetMs;
  let result: Awaited<ReturnType<Queue<R>["consume"]>>;
  try {
    result = await queue.consume({ budgetMs, batchSize: options.batchSize ?? 10 });
  } catch (err) {
    // Redis down or its circuit open: 503 + Retry-After (the scheduler retries next tick), never a bare 500.
    if (isUnavailableError(err)) return errorResponse(err, { where: "queue consume" });
    throw err;
  }
  return new Response(JSON.stringify({ queue: queue.name, ...result }), {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
