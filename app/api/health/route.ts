// Frontend health proxy: BACKEND_HEALTH_URL (1 s timeout) or an in-process check; `{ status }` only.
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";
import { healthProxyResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withErrorBoundary((request: Request) => {
  return healthProxyResponse(getKit(), request, { timeoutMs: 1000 });
});
