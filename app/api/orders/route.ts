// POST /api/orders: the shared example logic, wrapped so the idempotency claim made by middleware.ts
// is completed (response stored for replay) or released. kit.config.ts puts this route under an
// idempotency policy; test/app/idempotency-wrapped.test.ts fails if this wrapper is removed.
import { afterResponse } from "@/app/after-response";
import { createOrderResponse } from "@/edge/example/orders";
import { withErrorBoundary } from "@/lib/http";
import { withIdempotency } from "@/lib/idempotency";
import { getKit } from "@/lib/kit-instance";

export const dynamic = "force-dynamic";

// Outside withIdempotency: a thrown error releases the claim there first, then becomes a problem here.
export const POST = withErrorBoundary(withIdempotency((request: Request) => createOrderResponse(getKit(), request, afterResponse)));
