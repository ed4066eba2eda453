// Liveness (node runtime): answers from the process alone, no Redis, no I/O (Kubernetes liveness probe).
import { livenessResponse } from "@/lib/observability";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Response {
  return livenessResponse();
}
