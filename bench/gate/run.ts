/**
 * `npm run bench:gate`: what the kit's gates cost a real `next start` server (issue 10). A benchmark:
 * prints a table, never asserts. On ONE server, several runs (interleaved), medians:
 *
 *   (a) GET  /bench/plain      a plain route, no kit (outside middleware.ts's /api matcher), no Redis
 *   (a′) GET /api/bench/plain  the same route behind middleware.ts with no gates: Next's middleware cost alone
 *   (a+1) GET /bench/one-fetch the plain route plus ONE raw fetch to Redis (a PING): the floor of any design that
 *                              makes one round trip per request, which the kit's gated read is also measured against
 *   (b) POST /bench/naive      the naive composition: @upstash/ratelimit → cache GET → idempotency SET NX, awaited in turn
 *   (c) GET  /api/items/hot    the kit's gated read: middleware.ts runs rate limit + cache lookup (1 round trip), HIT
 *   (c, Hono) GET /api/edge/items/hot   the same read through the Hono app's gates() middleware (Node route, no edge sandbox)
 *   (c′) POST /api/bench/kit-write   the kit's gated write, counterpart of (b): rate limit + claim (1 round trip),
 *                              a trivial handler, the settle that stores the response for replay (1 more)
 *
 * Clients come from a pool of 5,000 IPs (x-forwarded-for, TRUST_PROXY=true), each far under every limit.
 * Builds into `.next-bench` (see next-server.ts); `--no-build` reuses an existing one. Starts its own
 * redis-server, and upstash-local in a child process (as `npm run dev` does), on free ports.
 *
 *   --proxy adds, from a second server built from a copy with the README's proxy.ts switch applied
 *   (gates on Node, no edge sandbox): (a′, proxy.ts) and (c, proxy.ts).
 *
 *   --coalesce N adds, from a second `next start` of the same build with REDIS_COALESCE_IN_FLIGHT=N
 *   (concurrent callers' pipelines joined once N HTTP requests are out; 0 = never, the default is 4):
 *   (c) and (c, Hono) again.
 *
 * Options: --runs 3  --seconds 5  --concurrency 16  --no-build  --proxy  --coalesce 0
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort, spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startChild } from "../upstash-local/child";
import { cpuMs } from "./cpu";
import { runLoad, type LoadResult, type Shot } from "./load";
import { build, hasBuild, start, DIST_DIR } from "./next-server";
import { proxyCopy } from "./proxy-copy";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    "no-build": { type: "boolean", default: false },
    proxy: { type: "boolean", default: false },
    coalesce: { type: "string" },
  },
});
const RUNS = Number(args.runs);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const IP_POOL = 5_000;

const redisServer = await spawnRedisServer();
const token = randomBytes(12).toString("hex");
const upstash = await startChild(["upstash-local", token, redisServer.url]);
const upstashUrl = upstash.url;

const env = {
  UPSTASH_REDIS_REST_URL: upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: token,
  METRICS_TOKEN: `bench-metrics-${randomBytes(8).toString("hex")}`,
  CRON_SECRET: `bench-cron-${randomBytes(8).toString("hex")}`,
};
let server: Awaited<ReturnType<typeof start>> | undefined;
let proxyServer: Awaited<ReturnType<typeof start>> | undefined;
let coalescingServer: Awaited<ReturnType<typeof start>> | undefined;
try {
  if (args["no-build"] && hasBuild()) console.log(`reusing ${DIST_DIR}`);
  else console.log(`next build → ${DIST_DIR} in ${((await build(env)) / 1000).toFixed(0)} s`);
  const runEnv = { ...env, TRUST_PROXY: "true", EDGE_KIT_BENCH: "1" };
  if (args.proxy) {
    const dir = proxyCopy();
    console.log(`next build of the proxy.ts copy → ${path.relative(process.cwd(), dir)}/${DIST_DIR} in ${((await build(env, dir)) / 1000).toFixed(0)} s`);
    proxyServer = await start(await freePort(), runEnv, [], dir);
  }
  if (args.coalesce) coalescingServer = await start(await freePort(), { ...runEnv, REDIS_COALESCE_IN_FLIGHT: args.coalesce });
  server = await start(await freePort(), runEnv);
  await report(server.origin, { app: server.pid, redisSide: [upstash.pid, redisServer.pid] }, proxyServer, coalescingServer);
} finally {
  await Promise.all([server?.stop(), proxyServer?.stop(), coalescingServer?.stop()]);
  await upstash.close();
  await redisServer.stop();
}

interface Measured extends LoadResult {
  /** CPU of the next start process tree per request, ms. */
  appCpu?: number;
  /** CPU of upstash-local + redis-server per request, ms (what a hosted Upstash would spend instead). */
  redisCpu?: number;
}

interface Server {
  origin: string;
  pid: number | undefined;
}

async function report(origin: string, pids: { app: number | undefined; redisSide: Array<number | undefined> }, proxy?: Server, coalescing?: Server): Promise<void> {
  const redisSideMs = () => pids.redisSide.reduce<number | undefined>((sum, pid) => (sum === undefined ? undefined : ((v) => (v === undefined ? undefined : sum + v))(cpuMs(pid))), 0);
  // A pool of returning clients (each well under every limit for the length of the benchmark), as
  // real traffic is: the kit's per-isolate memo of identity hashes then works as in production.
  let ipCounter = 0;
  const freshIp = () => {
    const n = (ipCounter++ % IP_POOL) + 1;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
  const json = { "content-type": "application/json" };
  // The entry's 60 s TTL runs out during a long run: a STALE answer (served from the cache while one
  // request revalidates in the background) is the same gate path as a HIT.
  const fromCache = (h: unknown) => h === "HIT" || h === "STALE";
  const order = '{"item_id":"sku-1","quantity":1}';
  const joinedLabel = args.coalesce === "0" ? "pipelines never joined" : `pipelines joined past ${args.coalesce} in flight`;
  /** `server`: the proxy.ts build for the `--proxy` rows; the main server otherwise. */
  const scenarios: Array<{ name: string; shot: () => Shot; server?: Server }> = [
    { name: "(a) plain route, no kit", shot: () => ({ method: "GET", path: "/bench/plain", headers: { "x-forwarded-for": freshIp() }, ok: (s) => s === 200 }) },
    { name: "(a′) plain route behind middleware.ts, no gates", shot: () => ({ method: "GET", path: "/api/bench/plain", headers: { "x-forwarded-for": freshIp() }, ok: (s) => s === 200 }) },
    { name: "(a+1) plain route + one raw fetch to Redis (PING), no kit", shot: () => ({ method: "GET", path: "/bench/one-fetch", headers: { "x-forwarded-for": freshIp() }, ok: (s) => s === 200 }) },
    {
      name: "(b) naive: limit → GET → SET NX",
      shot: () => ({ method: "POST", path: "/bench/naive", headers: { ...json, "x-forwarded-for": freshIp(), "idempotency-key": randomUUID() }, body: order, ok: (s) => s === 201 }),
    },
    {
      name: "(c) kit gate, cached read (HIT)",
      shot: () => ({ method: "GET", path: "/api/items/hot", headers: { "x-forwarded-for": freshIp() }, ok: (s, h) => s === 200 && fromCache(h["x-cache"]) }),
    },
    {
      name: "(c, Hono) kit gates() middleware, cached read (HIT)",
      shot: () => ({ method: "GET", path: "/api/edge/items/hot", headers: { "x-forwarded-for": freshIp() }, ok: (s, h) => s === 200 && fromCache(h["x-cache"]) }),
    },
    {
      name: "(c′) kit gate + trivial handler + settle, POST",
      shot: () => ({ method: "POST", path: "/api/bench/kit-write", headers: { ...json, "x-forwarded-for": freshIp(), "idempotency-key": randomUUID() }, body: order, ok: (s) => s === 201 }),
    },
    ...(proxy
      ? [
          {
            name: "(a′, proxy.ts) plain route behind proxy.ts (Node), no gates",
            server: proxy,
            shot: () => ({ method: "GET" as const, path: "/api/bench/plain", headers: { "x-forwarded-for": freshIp() }, ok: (st: number) => st === 200 }),
          },
          {
            name: "(c, proxy.ts) kit gate, cached read (HIT), gates on Node",
            server: proxy,
            shot: () => ({ method: "GET" as const, path: "/api/items/hot", headers: { "x-forwarded-for": freshIp() }, ok: (st: number, h: Record<string, string | string[] | undefined>) => st === 200 && fromCache(h["x-cache"]) }),
          },
        ]
      : []),
    ...(coalescing
      ? [
          {
            name: `(c) kit gate, cached read (HIT), ${joinedLabel}`,
            server: coalescing,
            shot: () => ({ method: "GET" as const, path: "/api/items/hot", headers: { "x-forwarded-for": freshIp() }, ok: (st: number, h: Record<string, string | string[] | undefined>) => st === 200 && fromCache(h["x-cache"]) }),
          },
          {
            name: `(c, Hono) kit gates() middleware, cached read (HIT), ${joinedLabel}`,
            server: coalescing,
            shot: () => ({ method: "GET" as const, path: "/api/edge/items/hot", headers: { "x-forwarded-for": freshIp() }, ok: (st: number, h: Record<string, string | string[] | undefined>) => st === 200 && fromCache(h["x-cache"]) }),
          },
        ]
      : []),
  ];

  // Warm-up: JIT, sockets, scripts loaded, the hot item cached (its first GET is a MISS that stores it).
  for (const o of [origin, ...(proxy ? [proxy.origin] : []), ...(coalescing ? [coalescing.origin] : [])]) {
    for (const p of ["/api/items/hot", "/api/edge/items/hot"]) await fetch(`${o}${p}`, { headers: { "x-forwarded-for": freshIp() } }).then((r) => r.arrayBuffer());
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const s of scenarios) await runLoad(s.server?.origin ?? origin, s.shot, { seconds: Math.min(2, SECONDS), concurrency: CONCURRENCY });

  const results = new Map<string, Measured[]>(scenarios.map((s) => [s.name, []]));
  for (let run = 1; run <= RUNS; run++) {
    for (const s of scenarios) {
      const appPid = s.server?.pid ?? pids.app;
      const [app0, redis0] = [cpuMs(appPid), redisSideMs()];
      const load = await runLoad(s.server?.origin ?? origin, s.shot, { seconds: SECONDS, concurrency: CONCURRENCY });
      const [app1, redis1] = [cpuMs(appPid), redisSideMs()];
      const per = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : (b - a) / load.requests);
      const r: Measured = { ...load, appCpu: per(app0, app1), redisCpu: per(redis0, redis1) };
      results.get(s.name)!.push(r);
      console.log(`run ${run} ${s.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.unexpected ? `, ${r.unexpected} unexpected (${r.example})` : ""}`);
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = scenarios.map((s) => {
    const rs = results.get(s.name)!;
    const cpu = (pick: (r: Measured) => number | undefined) => (rs.every((r) => pick(r) !== undefined) ? median(rs.map((r) => pick(r)!)) : undefined);
    return {
      name: s.name,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      appCpu: cpu((r) => r.appCpu),
      redisCpu: cpu((r) => r.redisCpu),
      unexpected: rs.reduce((n, r) => n + r.unexpected, 0),
    };
  });
  const ms = (v: number | undefined) => (v === undefined ? "n/a" : v.toFixed(2));
  const base = rows[0]!.rps;
  console.log(`\nnext start, ${CONCURRENCY} concurrent clients, ${RUNS} runs × ${SECONDS} s per case (medians)\n`);
  console.log("| case | req/s | ÷ (a) | p50 ms | p99 ms | app CPU ms/req | Redis-side CPU ms/req | unexpected answers |\n|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / base).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${ms(r.appCpu)} | ${ms(r.redisCpu)} | ${r.unexpected} |`);
  }
  console.log("app CPU = the next start process tree; Redis-side CPU = upstash-local + redis-server, which share these cores here (hosted Upstash would not).");
  const ratio = (prefix: string) => (rows.find((r) => r.name.startsWith(prefix))!.rps / base).toFixed(2);
  console.log(`\nb/a = ${ratio("(b)")}   c/a = ${ratio("(c)")} (target ≥ 0.85)   c(Hono)/a = ${ratio("(c, Hono)")}   a′/a = ${ratio("(a′)")}   c′/a = ${ratio("(c′)")}`);
  // The ceiling of c/a on this machine: no request that makes a round trip to Redis can beat (a+1).
  const rps = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))!.rps;
  console.log(`one round trip at best (a+1)/a = ${ratio("(a+1)")}   c/(a+1) = ${(rps("(c)") / rps("(a+1)")).toFixed(2)}   c(Hono)/(a+1) = ${(rps("(c, Hono)") / rps("(a+1)")).toFixed(2)}   c/a′ = ${(rps("(c)") / rps("(a′)")).toFixed(2)}`);
  if (proxy) console.log(`proxy.ts: a′/a = ${ratio("(a′, proxy.ts)")}   c/a = ${ratio("(c, proxy.ts)")}`);
  if (coalescing) console.log(`REDIS_COALESCE_IN_FLIGHT=${args.coalesce}: c/a = ${ratio(`(c) kit gate, cached read (HIT), ${joinedLabel}`)}   c(Hono)/a = ${ratio(`(c, Hono) kit gates() middleware, cached read (HIT), ${joinedLabel}`)}`);
  const load = (await import("node:os")).loadavg();
  console.log(`machine: ${(await import("node:os")).cpus().length} CPUs, load average ${load.map((l) => l.toFixed(2)).join(" / ")} at the end (other processes share these cores)`);
}
