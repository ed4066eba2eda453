// Cache health: backend (redis | memory), read latency, hit/miss stats shared across instances.
import { getKit } from "@/lib/kit-instance";
import { cacheHealthResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return cacheHealthResponse(getKit(), 300);
}
