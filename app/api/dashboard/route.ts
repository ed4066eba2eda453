// The dashboard's polling source (same origin, no secret): aggregate numbers only, never hosts or keys.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { routes } from "@/kit.config";
import { dashboardResponse } from "@/lib/observability";
import { appQueues } from "@/app/app-queues";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary(() => {
  const kit = getKit();
  return dashboardResponse(kit, { queues: appQueues(kit), routes });
});
