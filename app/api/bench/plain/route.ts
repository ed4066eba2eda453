// BENCHMARK FIXTURE (bench/gate, case a′): the same plain route as /bench/plain, but under /api, so
// Next runs middleware.ts for it; kit.config.ts gives /bench/* no gates, so the difference from (a)
// is Next's middleware machinery alone, with no kit work and no Redis.
import { benchFixturesEnabled, notFound } from "../../../bench/fixture-guard";

export const dynamic = "force-dynamic";

export function GET(): Response {
  if (!benchFixturesEnabled()) return notFound();
  return Response.json({ id: "hot", name: "Item hot" });
}
