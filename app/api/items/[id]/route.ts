// GET/PUT /api/items/:id — the shared example logic. middleware.ts answers cache HITs before this
// runs; on a MISS, withCachedResponse stores the 200 response under the key the gate computed and
// releases the gate's fill lease. PUT invalidates the item's tag, so the next GET is a MISS.
import { getItemResponse, putItemResponse } from "@/edge/example/items-store";
import { routes } from "@/kit.config";
import { withCachedResponse } from "@/lib/cache";
import { withErrorBoundary } from "@/lib/http";
import { getKit } from "@/lib/kit-instance";

export const dynamic = "force-dynamic";

interface RouteContext {
  params: Promise<{ id: string }>;
}

export const GET = withErrorBoundary(
  withCachedResponse(async (request: Request, { params }: RouteContext) => getItemResponse(getKit(), (await params).id, request), { kit: getKit, routes }),
);

export const PUT = withErrorBoundary(async (request: Request, { params }: RouteContext) => putItemResponse(getKit(), (await params).id, request));
