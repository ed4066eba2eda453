// BENCHMARK FIXTURE (bench/gate, case b): the naive composition users write without the kit —
// @upstash/ratelimit, then a cache GET, then an idempotency SET NX, each awaited in turn (three
// round trips), then the handler. The client a user would create: the kit's transport settings (same
// timeouts, per-tick auto-pipelining, the client's default) but not the kit's joining of concurrent
// requests' pipelines (REDIS_COALESCE_IN_FLIGHT), which no plain client does. Same algorithm and quota
// as the `api` policy, so only the composition differs.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { getKit } from "@/lib/kit-instance";
import { createRedis } from "@/lib/redis";
import { benchFixturesEnabled, notFound } from "../fixture-guard";

export const dynamic = "force-dynamic";

let limiter: Ratelimit | undefined;
let naiveRedis: Redis | undefined;

export async function POST(request: Request): Promise<Response> {
  if (!benchFixturesEnabled()) return notFound();
  const { config } = getKit();
  if (!config.redis) return new Response("bench fixture needs Redis", { status: 503 });
  const redis = (naiveRedis ??= createRedis({
    url: config.redis.url,
    token: config.redis.token,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    retries: config.redisRetries,
    coalesce: false,
  }));
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
