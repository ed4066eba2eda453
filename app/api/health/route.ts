// Frontend health proxy: BACKEND_HEALTH_URL (1 s timeout) or an in-process check; `{ status }` only.
import { getKit } from "@/lib/kit-instance";
import { healthProxyResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return healthProxyResponse(getKit(), request, { timeoutMs: 1000 });
}
