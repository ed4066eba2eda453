// The dashboard's polling source (same origin, no secret): aggregate numbers only, never hosts or keys.
import { getKit } from "@/lib/kit-instance";
import { dashboardResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return dashboardResponse(getKit());
}
