// Cache health: backend (redis | memory), read latency, hit/miss stats shared across instances.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { cacheHealthResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary(() => {
  return cacheHealthResponse(getKit(), 300);
});
