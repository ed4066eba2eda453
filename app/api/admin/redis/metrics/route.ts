// Admin metrics (Bearer METRICS_TOKEN): JSON, or Prometheus text for `Accept: text/plain` / `?format=prometheus`.
import { getKit } from "@/lib/kit-instance";
import { metricsResponse } from "@/lib/observability";
import { appQueues } from "@/app/app-queues";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  const kit = getKit();
  return metricsResponse(kit, request, { queues: appQueues(kit) });
}
