// POST /api/jobs {type, payload} → 202 {id, status}: the shared example logic (edge/example/jobs.ts).
import { createJobResponse } from "@/edge/example/jobs";
import { getKit } from "@/lib/kit-instance";
import { afterResponse } from "@/app/after-response";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return createJobResponse(getKit(), request, afterResponse);
}
