// Backend readiness (node runtime): Redis PING within 300 ms, degraded features, application/health+json, 200 or 503.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { routes } from "@/kit.config";
import { healthzResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary(() => {
  return healthzResponse(getKit(), 300, routes);
});
