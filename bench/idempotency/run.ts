/**
 * Idempotency cost and latency over upstash-local (a private redis-server + upstash-local on free
 * ports): HTTP requests to Redis per new request and per replay (from upstash-local's /stats), and
 * wall time per request through the Hono app. Prints a table; asserts nothing.
 *   npx tsx bench/idempotency/run.ts
 */
import { createApp } from "../../edge/app";
import { registerExampleRoutes } from "../../edge/example-routes";
import { loadConfig } from "../../lib/config";
import { createKit } from "../../lib/kit";
import { defineRoutes } from "../../lib/policy";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

const N = Number(process.argv[2] ?? 300);
const redis = await spawnRedisServer();
const token = `bench-${crypto.randomUUID()}`;
const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
const kit = createKit(loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: server.url, UPSTASH_REDIS_REST_TOKEN: token, TRUST_PROXY: "true" }));
const routes = defineRoutes([
  { pattern: "/plain", methods: ["POST"], name: "plain", policy: {} },
  { pattern: "/bench-orders", methods: ["POST"], name: "bench-orders", policy: { idempotency: { required: true } } },
]);
const app = createApp(kit, { basePath: "/api", routes, register: registerExampleRoutes });
const handler = (c: { json: (v: unknown, s: 201) => Response }) => c.json({ order_id: crypto.randomUUID(), item_id: "sku-1", quantity: 2 }, 201);
app.post("/plain", handler);
app.post("/bench-orders", handler);

const send = (path: string, key?: string) =>
  app.request(`/api${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.1", ...(key ? { "idempotency-key": key } : {}) },
    body: '{"item_id":"sku-1","quantity":2}',
  });

async function measure(label: string, path: string, keyFor: (i: number) => string | undefined) {
  await new Promise((r) => setTimeout(r, 200)); // let fire-and-forget counter writes land
  const before = Number((await server.stats()).httpRequests);
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const res = await send(path, keyFor(i));
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  await new Promise((r) => setTimeout(r, 300));
  const after = Number((await server.stats()).httpRequests);
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
  return { label, "redis HTTP req/request": ((after - before) / N).toFixed(2), "p50 ms": p(0.5), "p99 ms": p(0.99) };
}

const keys = Array.from({ length: N }, () => crypto.randomUUID());
await send("/bench-orders", crypto.randomUUID()); // load scripts (EVALSHA → NOSCRIPT → EVAL once)
const rows = [
  await measure("no idempotency", "/plain", () => undefined),
  await measure("new key (claim + complete)", "/bench-orders", (i) => keys[i]),
  await measure("replay (claim → completed)", "/bench-orders", (i) => keys[i]),
];
console.table(rows);
await server.close();
await redis.stop();
