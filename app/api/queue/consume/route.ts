// GET|POST /api/queue/consume: the queue consumer, driven by Vercel Cron every minute (vercel.json),
// QStash or any scheduler sending `Authorization: Bearer $CRON_SECRET`. Node runtime: a drain can
// take most of a minute. Concurrent invocations are safe (one consumer name each, one group).
import { exampleQueue } from "@/edge/example/jobs";
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { handleConsumeRequest } from "@/lib/queue";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
/** Keep in step with vercel.json `functions["app/api/queue/consume/route.ts"].maxDuration`. */
export const maxDuration = 60;

/** 10 s short of maxDuration: room for the last batch's handlers and its settle call. */
const BUDGET_MS = 50_000;

function consume(request: Request): Promise<Response> {
  const kit = getKit();
  return handleConsumeRequest(request, exampleQueue(kit), { secret: kit.config.cronSecret, budgetMs: BUDGET_MS, batchSize: 10 });
}

export const GET = withErrorBoundary(consume);
export const POST = withErrorBoundary(consume);
