// POST /api/jobs {type, payload} → 202 {id, status}: the shared example logic (edge/example/jobs.ts).
import { createJobResponse } from "@/edge/example/jobs";
import { getKit } from "@/lib/kit-instance";
import { afterResponse } from "@/app/after-response";
import { withErrorBoundary } from "@/lib/http";

export const dynamic = "force-dynamic";

export const POST = withErrorBoundary((request: Request) => createJobResponse(getKit(), request, afterResponse));
