// BENCHMARK FIXTURE (bench/gate, case a): a plain route with no kit — no middleware, no Redis.
import { benchFixturesEnabled, notFound } from "../fixture-guard";

export const dynamic = "force-dynamic";

export function GET(): Response {
  if (!benchFixturesEnabled()) return notFound();
  return Response.json({ id: "hot", name: "Item hot" });
}
