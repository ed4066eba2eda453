// BENCHMARK FIXTURE (bench/gate, case c′): the kit's gated write with a trivial handler, the
// counterpart of /bench/naive. kit.config.ts gives it the `api` rate limit and an idempotency policy,
// so middleware.ts claims the key in the rate limiter's request and this wrapper stores the response.
import { withIdempotency } from "@/lib/idempotency";
import { getKit } from "@/lib/kit-instance";
import { benchFixturesEnabled, notFound } from "../../../bench/fixture-guard";

export const dynamic = "force-dynamic";

export const POST = withIdempotency(async (request: Request) => {
  if (!benchFixturesEnabled()) return notFound();
  const body = (await request.json()) as { item_id?: string; quantity?: number };
  return Response.json({ order_id: `ord_${crypto.randomUUID().replace(/-/g, "")}`, ...body }, { status: 201 });
}, { kit: getKit });
