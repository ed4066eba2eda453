// Redis health: `{ enabled, info }` with four INFO figures (500 ms budget), nothing more.
import { getKit } from "@/lib/kit-instance";
import { redisHealthResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return redisHealthResponse(getKit(), 500);
}
