// BENCHMARK FIXTURE (bench/gate, case b): the naive composition users write without the kit —
// @upstash/ratelimit, then a cache GET, then an idempotency SET NX, each awaited in turn (three
// round trips), then the handler. Same client as the kit (getKit().redis: same timeouts and
// auto-pipelining), same algorithm and quota as the `api` policy, so only the composition differs.
import { Ratelimit } from "@upstash/ratelimit";
import { getKit } from "@/lib/kit-instance";
import { benchFixturesEnabled, notFound } from "../fixture-guard";

export const dynamic = "force-dynamic";

let limiter: Ratelimit | undefined;

export async function POST(request: Request): Promise<Response> {
  if (!benchFixturesEnabled()) return notFound();
  const redis = getKit().redis;
  if (!redis) return new Response("bench fixture needs Redis", { status: 503 });
  limiter ??= new Ratelimit({ redis, prefix: "bench-naive:rl", limiter: Ratelimit.slidingWindow(100, "60 s"), analytics: false });
  const ip = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? "unknown";
  const key = request.headers.get("idempotency-key");
  if (!key) return new Response("Idempotency-Key required", { status: 400 });

  const { success } = await limiter.limit(ip);
  if (!success) return new Response("rate limited", { status: 429 });
  const cached = await redis.get<{ id: string }>("bench-naive:cache:orders");
  if (cached) return Response.json(cached);
  const claimed = await redis.set(`bench-naive:idem:${key}`, "in-flight", { nx: true, px: 60_000 });
  if (claimed === null) return new Response("in flight", { status: 409 });

  const body = (await request.json()) as { item_id?: string; quantity?: number };
  return Response.json({ order_id: `ord_${crypto.randomUUID().replace(/-/g, "")}`, ...body }, { status: 201 });
}
