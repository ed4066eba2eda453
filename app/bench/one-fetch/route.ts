// BENCHMARK FIXTURE (bench/gate, floor): the plain route plus ONE raw HTTP request to Redis (a PING
// through /pipeline, no kit, no client library). No gated request can cost less than this: it is the
// floor of "one round trip per request", against which the kit's gate is measured.
import { getKit } from "@/lib/kit-instance";
import { benchFixturesEnabled, notFound } from "../fixture-guard";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  if (!benchFixturesEnabled()) return notFound();
  const { redis } = getKit().config;
  if (!redis) return new Response("bench fixture needs Redis", { status: 503 });
  const reply = await fetch(`${redis.url}/pipeline`, {
    method: "POST",
    headers: { authorization: `Bearer ${redis.token}` },
    body: '[["PING"]]',
    cache: "no-store",
  });
  const [{ result }] = (await reply.json()) as [{ result: string }];
  return Response.json({ id: "hot", name: "Item hot", ping: result });
}
