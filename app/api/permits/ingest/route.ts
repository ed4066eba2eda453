// POST /api/permits/ingest: dedupe under the lock `ingest-permits` (shared logic: edge/example/permits.ts).
// Gated by middleware.ts (rate limit) like every /api/* route; the Hono twin is /api/edge/permits/ingest.
// Node runtime: the fire-and-forget counter writes (which never reject) finish on their own.
import { ingestPermits } from "@/edge/example/permits";
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";

export const dynamic = "force-dynamic";

export const POST = withErrorBoundary((request: Request) => ingestPermits(getKit(), request));
