// Admin metrics (Bearer METRICS_TOKEN): JSON, or Prometheus text for `Accept: text/plain` / `?format=prometheus`.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { metricsResponse } from "@/lib/observability";
import { appQueues } from "@/app/app-queues";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary((request: Request) => {
  const kit = getKit();
  return metricsResponse(kit, request, { queues: appQueues(kit) });
});
