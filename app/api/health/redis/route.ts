// Redis health: `{ enabled, info }` with four INFO figures (500 ms budget), nothing more.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { redisHealthResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary(() => {
  return redisHealthResponse(getKit(), 500);
});
