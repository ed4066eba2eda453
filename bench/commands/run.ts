/**
 * `npm run bench:commands`: Redis commands per gated request — the figure Upstash bills — for the
 * naive composition and for the kit's gates (issue 10). A benchmark: prints tables, never asserts.
 *
 * Both sides get the same work: one sliding-window limit (@upstash/ratelimit, 1e6/min per IP), a
 * cached read with one tag (GET), an idempotent write (POST with Idempotency-Key). Per path it reports:
 * - HTTP requests on the critical path, and in total (background + the route's store/settle step);
 * - top-level commands as upstash-local counts them (a script is ONE: EVALSHA), which Upstash bills
 *   for certain ("each command inside a pipeline … is billed individually");
 * - commands Redis executed, scripts' inner calls included, from the private redis-server's
 *   `INFO commandstats` (exact, not estimated). Whether Upstash bills a script's inner calls one by
 *   one is undocumented (cache-and-queue.md §A4): read this column as the upper bound.
 *
 * Starts its own redis-server and upstash-local on free ports; touches no other Redis.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import IORedis from "ioredis";
import { loadConfig } from "../../lib/config";
import { flushDeferredCounts, runGates, type GatesResult } from "../../lib/gate";
import { createCacheGate, storeAfterHandler } from "../../lib/cache";
import { createIdempotencyGate, settleAfterHandler } from "../../lib/idempotency";
import { createKit } from "../../lib/kit";
import { createRouteTable, defineRoutes } from "../../lib/policy";
import { defineRateLimits, rateLimitGate } from "../../lib/ratelimit";
import { scriptRegistry } from "../../lib/redis/script-registry";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

const N = Number(process.env.BENCH_N ?? 200);
const redisServer = await spawnRedisServer();
const token = randomBytes(8).toString("hex");
const server = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
const direct = new IORedis(redisServer.url);
const kit = createKit(loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: server.url, UPSTASH_REDIS_REST_TOKEN: token, TRUST_PROXY: "true" }));
const redis = kit.redis!;

// ---- the kit: the same gates as middleware.ts, over a route table with the shared workload ----
const rl = defineRateLimits({ denyList: false, policies: { bench: { algorithm: "sliding-window", limit: 1_000_000, window: "60 s", identity: "ip" } } });
const table = createRouteTable(
  defineRoutes([
    { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { rateLimit: rl.use("bench"), cache: { ttl: "10 m", tags: (p) => [`item:${p.id}`] } } },
    { pattern: "/orders", methods: ["POST"], name: "orders.create", policy: { rateLimit: rl.use("bench"), idempotency: { required: true } } },
  ]),
);
// As the Hono gates() middleware builds them: the same decisions as middleware.ts, plus the after-steps
// (settle, store) that Next's route wrappers run instead, so one cycle here is a whole request.
const GATES = [rateLimitGate, createIdempotencyGate({ settle: settleAfterHandler }), createCacheGate({ store: storeAfterHandler })];

async function kitRequest(method: "GET" | "POST", path: string, ip: string, key?: string): Promise<{ result: GatesResult; background: Promise<unknown>[] }> {
  const background: Promise<unknown>[] = [];
  const headers: Record<string, string> = { "x-forwarded-for": ip, "content-type": "application/json" };
  if (key) headers["idempotency-key"] = key;
  const request = new Request(`http://bench${path}`, { method, headers, ...(method === "POST" ? { body: '{"item_id":"sku-1","quantity":1}' } : {}) });
  const route = table.match(method, path)!;
  const result = await runGates(GATES, { kit, request, route, identity: { ip, userId: null }, waitUntil: (p) => void background.push(p) });
  return { result, background };
}

/** The kit, gate + route: a continue runs the handler and the gates' after-steps (settle, store), as Hono does. */
async function kitCycle(method: "GET" | "POST", path: string, ip: string, key?: string): Promise<void> {
  const { result, background } = await kitRequest(method, path, ip, key);
  if (result.action === "continue") {
    let response = Response.json({ ok: true, path }, { status: method === "POST" ? 201 : 200 });
    for (const after of [...result.after].reverse()) response = await after(response, {});
  }
  await Promise.all(background);
}

// ---- the naive composition: @upstash/ratelimit, then a cache GET, then an idempotency SET NX, in turn ----
const limiter = new Ratelimit({ redis, prefix: "naive:rl", limiter: Ratelimit.slidingWindow(1_000_000, "60 s"), analytics: false, enableProtection: false });

/** Exactly the naive composition: three awaited calls per request (what users write today). */
async function naiveComposition(path: string, ip: string, key: string): Promise<void> {
  const { success } = await limiter.limit(ip);
  if (!success) return;
  const cached = await redis.get(`naive:cache:${path}`);
  if (cached !== null) return;
  await redis.set(`naive:idem:${key}`, "in-flight", { nx: true, px: 60_000 });
}

/** Its natural read and write halves, each doing what the kit's path does (store on a miss, store the response). */
async function naiveRead(path: string, ip: string): Promise<void> {
  if (!(await limiter.limit(ip)).success) return;
  const cached = await redis.get(`naive:cache:${path}`);
  if (cached === null) await redis.set(`naive:cache:${path}`, { ok: true, path }, { px: 600_000 });
}
async function naiveWrite(ip: string, key: string): Promise<void> {
  if (!(await limiter.limit(ip)).success) return;
  const claimed = await redis.set(`naive:idem:${key}`, "in-flight", { nx: true, px: 60_000 });
  if (claimed === null) {
    await redis.get(`naive:idem:${key}:response`); // replay the stored response
    return;
  }
  await redis.set(`naive:idem:${key}:response`, { status: 201 }, { px: 86_400_000 });
}

// ---- counting ----
async function executedCommands(): Promise<Map<string, number>> {
  const info = await direct.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

interface Figures {
  label: string;
  critical: number;
  total: number;
  topLevel: number;
  executed: number;
}

async function measure(label: string, run: (i: number) => Promise<void>, critical: (i: number) => Promise<void> = run): Promise<Figures> {
  // Critical path: requests the answer waited for (the kit's gate alone; the naive flow is all critical).
  let before = server.stats().httpRequests;
  for (let i = 0; i < N; i++) await critical(i);
  const criticalRequests = (server.stats().httpRequests - before) / N;

  before = server.stats().httpRequests;
  const beforeCommands = server.stats().redisCommands;
  const beforeExecuted = await executedCommands();
  for (let i = N; i < 2 * N; i++) await run(i);
  await new Promise((r) => setTimeout(r, 20));
  const after = server.stats();
  const afterExecuted = await executedCommands();
  let executed = 0;
  for (const [name, calls] of afterExecuted) {
    // INFO itself, and SCRIPT LOAD by upstash-local's allow-key-locking rewrite (once per script), are not the workload.
    if (name === "info" || name.startsWith("script")) continue;
    executed += calls - (beforeExecuted.get(name) ?? 0);
  }
  return {
    label,
    critical: criticalRequests,
    total: (after.httpRequests - before) / N,
    topLevel: (after.redisCommands - beforeCommands) / N,
    executed: executed / N,
  };
}

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
let ipCounter = 1_000_000;
/** A new client IP on every call (each first request in its window costs the limiter one PEXPIRE more: same for both sides). */
const freshIps = () => (_i: number) => ip(ipCounter++);
/** Fixed IPs by index, for requests that must come back as the same client (replays). */
const fixedIps = () => {
  const base = (ipCounter += 100_000);
  return (i: number) => ip(base + i);
};

// Warm-up: scripts loaded, connections open, version keys of the hot item created.
await Promise.all(scriptRegistry.map((s) => redis.scriptLoad(s.source)));
for (let i = 0; i < 20; i++) {
  await kitCycle("GET", "/items/hot", ip(i));
  await kitCycle("POST", "/orders", ip(i), `warm-${i}`);
  await naiveComposition("/items/hot", ip(i), `warm-${i}`);
  await naiveRead("/items/hot", ip(i));
}

interface Row {
  path: string;
  side: string;
  f: Figures;
}
const rows: Row[] = [];
const gateOnly = (method: "GET" | "POST", path: string, ip: string, key?: string) => kitRequest(method, path, ip, key).then(({ background }) => Promise.all(background)).then(() => undefined);
{
  const at = freshIps();
  const path = "POST, Idempotency-Key (first use)";
  rows.push({ path, side: "naive", f: await measure("the issue's composition: limit → cache GET → SET NX", (i) => naiveComposition("/orders", at(i), randomUUID())) });
  rows.push({ path, side: "naive", f: await measure("limit → SET NX → SET response (stores for replay)", (i) => naiveWrite(at(i), randomUUID())) });
  rows.push({ path, side: "kit", f: await measure("gates: limit + claim", (i) => gateOnly("POST", "/orders", at(i), randomUUID())) });
  rows.push({ path, side: "kit", f: await measure("gates + settle (stores for replay)", (i) => kitCycle("POST", "/orders", at(i), randomUUID()), (i) => gateOnly("POST", "/orders", at(i), randomUUID())) });
}
{
  const at = freshIps();
  const path = "GET, cached read, HIT";
  rows.push({ path, side: "naive", f: await measure("the issue's composition: limit → cache GET → SET NX", (i) => naiveComposition("/items/hot", at(i), randomUUID())) });
  rows.push({ path, side: "naive", f: await measure("limit → GET", (i) => naiveRead("/items/hot", at(i))) });
  rows.push({ path, side: "kit", f: await measure("gates: limit + lookup (no write on a hit)", (i) => gateOnly("GET", "/items/hot", at(i))) });
}
{
  const at = freshIps();
  const path = "GET, cached read, MISS";
  rows.push({ path, side: "naive", f: await measure("limit → GET → SET (no tags, no stampede lease)", (i) => naiveRead(`/items/n${i}`, at(i))) });
  rows.push({ path, side: "kit", f: await measure("gates: limit + lookup with fill lease", (i) => gateOnly("GET", `/items/g${i}`, at(i))) });
  rows.push({ path, side: "kit", f: await measure("gates + store (stamped, lease released)", (i) => kitCycle("GET", `/items/k${i}`, at(i)), (i) => gateOnly("GET", `/items/c${i}`, at(i))) });
}
{
  const at = fixedIps();
  const keys = Array.from({ length: 2 * N }, () => randomUUID());
  for (let i = 0; i < 2 * N; i++) {
    await naiveWrite(at(i), keys[i]!);
    await kitCycle("POST", "/orders", at(i), keys[i]!);
  }
  const path = "POST, Idempotency-Key (replay)";
  rows.push({ path, side: "naive", f: await measure("limit → SET NX (taken) → GET response", (i) => naiveWrite(at(i % (2 * N)), keys[i % (2 * N)]!)) });
  rows.push({ path, side: "kit", f: await measure("gates: limit + claim (answers the replay)", (i) => gateOnly("POST", "/orders", at(i % (2 * N)), keys[i % (2 * N)]!)) });
}
{
  // A denied identity: one limiter that refuses, then repeat offenders (the isolate's cache answers).
  const tight = new Ratelimit({ redis, prefix: "naive:tight", limiter: Ratelimit.fixedWindow(1, "60 s"), analytics: false });
  const rlTight = defineRateLimits({ denyList: false, policies: { tight: { algorithm: "fixed-window", limit: 1, window: "60 s", identity: "ip" } } });
  const tightTable = createRouteTable(defineRoutes([{ pattern: "/t", methods: ["POST"], name: "t", policy: { rateLimit: rlTight.use("tight"), idempotency: { required: true } } }]));
  const offender = "203.0.113.99";
  await tight.limit(offender);
  await tight.limit(offender);
  const gateOnce = async () => {
    const request = new Request("http://bench/t", { method: "POST", headers: { "idempotency-key": randomUUID(), "x-forwarded-for": offender }, body: "{}" });
    await runGates(GATES, { kit, request, route: tightTable.match("POST", "/t")!, identity: { ip: offender, userId: null }, waitUntil: () => undefined });
  };
  await gateOnce();
  await gateOnce();
  const path = "identity already denied";
  rows.push({ path, side: "naive", f: await measure("limit (its ephemeral cache)", async () => void (await tight.limit(offender))) });
  rows.push({ path, side: "kit", f: await measure("gates (cached denial: nothing issued)", gateOnce) });
}
await flushDeferredCounts(kit, { force: true });

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
console.log(`\nRedis cost per request (${N} requests per cell; redis-server ${redisServer.url})\n`);
console.log("| request | side | what runs | HTTP requests, critical path | HTTP requests, total | commands (upstash-local: a script = 1) | commands Redis executed (scripts' inner calls included) |");
console.log("|---|---|---|---|---|---|---|");
let last = "";
for (const row of rows) {
  const f = row.f;
  console.log(`| ${row.path === last ? "" : row.path} | ${row.side} | ${f.label} | ${fmt(f.critical)} | ${fmt(f.total)} | ${fmt(f.topLevel)} | ${fmt(f.executed)} |`);
  last = row.path;
}
console.log("\nNotes: the kit's deferred counters (cache stats, idempotency outcomes, rate-limit outcomes) ride the batches at most once per second per isolate; their HINCRBYs are included above when a flush fell inside a measured window.");

await direct.quit();
await server.close();
await redisServer.stop();
