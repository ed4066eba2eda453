// Admin metrics (Bearer METRICS_TOKEN): JSON, or Prometheus text for `Accept: text/plain` / `?format=prometheus`.
import { getKit } from "@/lib/kit-instance";
import { metricsResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return metricsResponse(getKit(), request);
}
