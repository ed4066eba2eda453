// GET /api/jobs/:id → the job's status record (edge/example/jobs.ts).
import { jobStatusResponse } from "@/edge/example/jobs";
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";

export const dynamic = "force-dynamic";

export const GET = withErrorBoundary(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await context.params;
  return jobStatusResponse(getKit(), id, new URL(request.url).pathname);
});
