/**
 * The bundle budget's baseline (issue 9): the middleware a team writes today with `@upstash/ratelimit`
 * and a zod-validated env. Not part of the app: to measure it, copy it over a scratch copy's
 * middleware.ts, `next build`, then `npx tsx scripts/bundle-size.ts <distDir>` — 110,958 B gzip with
 * Next 16.4.6 (the `MIDDLEWARE_GZIP_BUDGET_BYTES` the kit's own middleware must stay under).
 */
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { z } from "zod";

const env = z
  .object({ UPSTASH_REDIS_REST_URL: z.string().url(), UPSTASH_REDIS_REST_TOKEN: z.string().min(1), RATE_LIMIT: z.coerce.number().int().default(10) })
  .parse(process.env);
const ratelimit = new Ratelimit({
  redis: new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }),
  limiter: Ratelimit.slidingWindow(env.RATE_LIMIT, "10 s"),
});

export async function middleware(req: NextRequest, event: NextFetchEvent): Promise<Response> {
  const { success, pending } = await ratelimit.limit(req.headers.get("x-forwarded-for") ?? "anonymous");
  event.waitUntil(pending);
  return success ? NextResponse.next() : new NextResponse("Too many requests", { status: 429 });
}

export const config = { matcher: ["/api/((?!edge(?:/|$)).*)"] };
