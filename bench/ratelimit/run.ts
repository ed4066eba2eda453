/**
 * `npx tsx bench/ratelimit/run.ts`: what one rate-limit decision costs — HTTP requests (counted by
 * upstash-local's /stats) and latency — for a single limit, several limits in one request, a cached
 * denial, and the naive way (one awaited `Ratelimit.limit()` per limit). A benchmark: it never asserts.
 * Starts its own redis-server and upstash-local (in this process) on free ports.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Ratelimit } from "@upstash/ratelimit";
import { loadConfig } from "../../lib/config";
import { createKit } from "../../lib/kit";
import { checkRateLimit, defineRateLimits } from "../../lib/ratelimit";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

const N = 300;
const redis = await spawnRedisServer();
const token = randomBytes(8).toString("hex");
const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
const kit = createKit(loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: server.url, UPSTASH_REDIS_REST_TOKEN: token, RATE_LIMIT_TIMEOUT_MS: "5000" }));
const rl = defineRateLimits({
  countersFlushEvery: "1 h",
  denyList: false,
  policies: {
    big: { algorithm: "sliding-window", limit: 1_000_000, window: "1 h", identity: "ip-and-user" },
    burst: { algorithm: "fixed-window", limit: 1_000_000, window: "1 m", identity: "ip-and-user", penalty: { duration: "1 m" } },
    one: { algorithm: "fixed-window", limit: 1, window: "1 h", identity: "ip" },
  },
});
const who = { ip: "198.51.100.7", userId: "user-1" };

async function measure(label: string, run: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await run(i); // warm-up (scripts loaded, connections open)
  const before = Number((await server.stats()).httpRequests);
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await run(i);
    times.push(performance.now() - t);
  }
  const requests = (Number((await server.stats()).httpRequests) - before) / N;
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
  console.log(`| ${label} | ${requests.toFixed(2)} | ${p(0.5)} | ${p(0.99)} |`);
}

const naive = ["a", "b", "c", "d"].map(
  (name) => new Ratelimit({ redis: kit.redis!, prefix: `naive:${name}`, limiter: Ratelimit.slidingWindow(1_000_000, "1 h"), enableTelemetry: false }),
);

console.log("| decision | HTTP requests / decision | p50 ms | p99 ms |\n|---|---|---|---|");
await measure("1 policy, 1 identity (api-like)", () => checkRateLimit(kit, { identity: { ip: who.ip, userId: null }, routeName: "r", rateLimit: rl.use("big") }));
await measure("2 policies × (ip, user) = 4 limits + 2 penalty lookups, kit", () =>
  checkRateLimit(kit, { identity: who, routeName: "r", rateLimit: rl.use("big", "burst") }),
);
await measure("4 limits, naive: one awaited Ratelimit.limit() each", async () => {
  for (const limiter of naive) await limiter.limit("user-1");
});
await checkRateLimit(kit, { identity: { ip: "203.0.113.1", userId: null }, routeName: "r", rateLimit: rl.use("one") });
await measure("cached denial (repeat offender)", () =>
  checkRateLimit(kit, { identity: { ip: "203.0.113.1", userId: null }, routeName: "r", rateLimit: rl.use("one") }),
);

await server.close();
await redis.stop();
