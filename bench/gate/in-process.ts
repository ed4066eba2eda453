/**
 * `npm run bench:gate:in-process`: the kit's gates without Next (issue 10). The Hono app of edge/app.ts,
 * called through `app.fetch` in this process — as on workerd or behind @hono/node-server, minus the
 * socket — by 16 concurrent closed-loop callers, against its own redis-server and upstash-local (child
 * process). What Next adds is measured by `npm run bench:gate`; this isolates what the gate itself costs.
 *
 *   (a)   GET /api/edge/bench/plain     a Hono route with no gates (kit.config.ts: /bench/* has none), no Redis
 *   (a+1) GET /api/edge/bench/one-fetch the same plus ONE raw fetch of a PING to upstash-local: the floor of one round trip
 *   (c)   GET /api/edge/items/hot       the gated read, HIT (rate limit + cache lookup, one round trip)
 *   (c, never joined)                   the same with REDIS_COALESCE_IN_FLIGHT=0
 *
 * CPU per request: this process (callers included: a Request and an arrayBuffer() each) and the Redis
 * side (upstash-local + redis-server), from /proc. Clients from a pool of 5,000 IPs (TRUST_PROXY). Prints a
 * table, never asserts. Options: --runs 3 --seconds 5 --concurrency 16
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { createApp } from "../../edge/app";
import { registerExampleRoutes } from "../../edge/example-routes";
import { routes } from "../../kit.config";
import { loadConfig } from "../../lib/config";
import { createKit } from "../../lib/kit";
import { spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startChild } from "../upstash-local/child";
import { cpuMs } from "./cpu";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "3" }, seconds: { type: "string", default: "5" }, concurrency: { type: "string", default: "16" } } });
const [RUNS, SECONDS, CONCURRENCY] = [Number(args.runs), Number(args.seconds), Number(args.concurrency)];

const redisServer = await spawnRedisServer();
const token = randomBytes(12).toString("hex");
const upstash = await startChild(["upstash-local", token, redisServer.url]);
const url = upstash.url;

function appFor(coalesce: string) {
  const env = { NODE_ENV: "production", UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, TRUST_PROXY: "true", REDIS_COALESCE_IN_FLIGHT: coalesce };
  const app = createApp(createKit(loadConfig(env, { requiredSecrets: [] })), { basePath: "/api/edge", routes, register: registerExampleRoutes });
  app.get("/bench/plain", (c) => c.json({ id: "hot", name: "Item hot" }));
  app.get("/bench/one-fetch", async (c) => {
    const reply = await fetch(`${url}/pipeline`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: '[["PING"]]' });
    const [{ result }] = (await reply.json()) as [{ result: string }];
    return c.json({ id: "hot", name: "Item hot", ping: result });
  });
  return app;
}

let ipCounter = 0;
const freshIp = () => {
  const n = (ipCounter++ % 5_000) + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};
const joined = appFor("4");
const neverJoined = appFor("0");
const cases = [
  { name: "(a) Hono route, no gates, no Redis", app: joined, path: "/api/edge/bench/plain", ok: (r: Response) => r.status === 200 },
  { name: "(a+1) the same + one raw fetch to Redis (PING)", app: joined, path: "/api/edge/bench/one-fetch", ok: (r: Response) => r.status === 200 },
  { name: "(c) gates(), cached read (HIT)", app: joined, path: "/api/edge/items/hot", ok: (r: Response) => r.status === 200 && /^(HIT|STALE)$/.test(r.headers.get("x-cache") ?? "") },
  { name: "(c) the same, pipelines never joined", app: neverJoined, path: "/api/edge/items/hot", ok: (r: Response) => r.status === 200 && /^(HIT|STALE)$/.test(r.headers.get("x-cache") ?? "") },
];

async function load(c: (typeof cases)[number], seconds: number, warmUp = false) {
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  let unexpected = 0;
  let example: string | undefined;
  const [cpu0, side0] = [process.cpuUsage(), (cpuMs(upstash.pid) ?? 0) + (cpuMs(redisServer.pid) ?? 0)];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const res = await c.app.fetch(new Request(`http://bench.local${c.path}`, { headers: { "x-forwarded-for": freshIp() } }));
        const body = await res.text();
        requests++;
        if (!c.ok(res)) {
          unexpected++;
          example ??= `${res.status} ${body.slice(0, 200)}`;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const side = (cpuMs(upstash.pid) ?? 0) + (cpuMs(redisServer.pid) ?? 0) - side0;
  if (example && !warmUp) console.log(`${c.name}: ${unexpected} unexpected, e.g. ${example}`);
  return { rps: requests / elapsed, cpu: (cpu.user + cpu.system) / 1000 / requests, side: side / requests, unexpected };
}

try {
  for (const c of cases) await load(c, 2, true); // warm-up: JIT, sockets, scripts loaded, the hot item cached (its first GET is a MISS)
  const results = new Map(cases.map((c) => [c.name, [] as Awaited<ReturnType<typeof load>>[]]));
  for (let run = 0; run < RUNS; run++) for (const c of cases) results.get(c.name)!.push(await load(c, SECONDS));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = cases.map((c) => {
    const rs = results.get(c.name)!;
    return { name: c.name, rps: median(rs.map((r) => r.rps)), cpu: median(rs.map((r) => r.cpu)), side: median(rs.map((r) => r.side)), unexpected: rs.reduce((n, r) => n + r.unexpected, 0) };
  });
  const [a, floor] = [rows[0]!.rps, rows[1]!.rps];
  console.log(`\nin process (Hono app.fetch, no Next), ${CONCURRENCY} concurrent callers, ${RUNS} runs × ${SECONDS} s per case (medians)\n`);
  console.log("| case | req/s | ÷ (a) | ÷ (a+1) | this process CPU ms/req | Redis-side CPU ms/req | unexpected answers |\n|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / a).toFixed(2)} | ${(r.rps / floor).toFixed(2)} | ${r.cpu.toFixed(3)} | ${r.side.toFixed(3)} | ${r.unexpected} |`);
  console.log("Redis-side = upstash-local + redis-server, on the same cores here (a hosted Upstash would not be).");
} finally {
  await upstash.close();
  await redisServer.stop();
}
