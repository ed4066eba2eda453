/**
 * `npm run bench:upstash-local`: what the Upstash REST layer costs compared with talking to Redis directly.
 *
 * Starts its own redis-server and upstash-local on free ports, then runs each workload for a fixed number of
 * operations (after a warm-up), 3 times per client, and prints the medians as a Markdown table. A benchmark,
 * not a test: it never asserts timings.
 *
 * upstash-local runs in a child process (server-process.ts), as in `npm run dev`, so the clients measured here
 * never share an event loop with it. A second child serves canned replies without Redis: the "HTTP floor", the
 * best any REST server could do with the same client, fetch and machine.
 *
 * Option: `--scale <x>` multiplies every operation count (default 1; the default run takes about 30 s).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { spawnRedisServer, type SpawnedRedis } from "../../tools/upstash-local/redis-server";
import { startChild, type ChildServer } from "./child";

const REPETITIONS = 3;
const KEYS = 1_000;
const VALUE = "v".repeat(64);
const SINGLE_CALLERS = 32;
const PIPELINE_SIZE = 100;
const CONCURRENT_PIPELINES = 8;
const TARGET_PIPELINE_RATIO = 0.7;

const { values: args } = parseArgs({ options: { scale: { type: "string", default: "1" } } });
const scale = Number(args.scale);
if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${args.scale}`);
const count = (n: number) => Math.max(1, Math.round(n * scale));

/** One unit of work: a single command, or one whole pipeline. Called with a running index. */
type Unit = (i: number) => Promise<unknown>;
type Role = "rest" | "direct" | "floor";

interface Client {
  name: string;
  role: Role;
  unit: Unit;
}

interface Workload {
  name: string;
  /** Commands per unit (1 for single commands, PIPELINE_SIZE for a pipeline). */
  commandsPerUnit: number;
  units: number;
  warmupUnits: number;
  concurrency: number;
  clients: Client[];
}

interface Result {
  opsPerSec: number;
  p50: number;
  p99: number;
}

interface Row extends Result {
  workload: string;
  client: string;
  role: Role;
  ratio: number;
}

const keyOf = (i: number) => `bench:k:${i % KEYS}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? Number.NaN;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

/** Runs `units` calls of `unit` with `concurrency` callers; latency is measured per call. */
async function measure(unit: Unit, units: number, concurrency: number): Promise<{ elapsedMs: number; latencies: number[] }> {
  const latencies = new Array<number>(units);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, units) }, async () => {
      for (let i = next++; i < units; i = next++) {
        const t = performance.now();
        await unit(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  return { elapsedMs: performance.now() - started, latencies };
}

async function runWorkload(workload: Workload): Promise<Row[]> {
  const results: (Result & { client: Client })[] = [];
  for (const client of workload.clients) {
    await measure(client.unit, workload.warmupUnits, workload.concurrency);
    const runs: Result[] = [];
    for (let r = 0; r < REPETITIONS; r++) {
      const { elapsedMs, latencies } = await measure(client.unit, workload.units, workload.concurrency);
      latencies.sort((a, b) => a - b);
      runs.push({
        opsPerSec: (workload.units * workload.commandsPerUnit) / (elapsedMs / 1000),
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
      });
    }
    results.push({
      client,
      opsPerSec: median(runs.map((x) => x.opsPerSec)),
      p50: median(runs.map((x) => x.p50)),
      p99: median(runs.map((x) => x.p99)),
    });
    process.stderr.write(`  measured: ${workload.name} / ${client.name}\n`);
  }
  const direct = results.find((r) => r.client.role === "direct")?.opsPerSec ?? Number.NaN;
  return results.map(({ client, ...result }) => ({
    ...result,
    workload: workload.name,
    client: client.name,
    role: client.role,
    ratio: result.opsPerSec / direct,
  }));
}

function redisServerVersion(): string {
  const out = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout ?? "";
  return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMs = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function table(rows: Row[]): string {
  const lines = [
    "| workload | client | ops/s | p50 ms | p99 ms | ratio to direct (throughput) |",
    "|---|---|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.workload} | ${row.client} | ${fmtInt(row.opsPerSec)} | ${fmtMs(row.p50)} | ${fmtMs(row.p99)} | ${row.ratio.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

function pipelineUnit(newPipeline: () => { set(k: string, v: string): unknown; get(k: string): unknown; exec(): Promise<unknown> }): Unit {
  return async (i) => {
    const p = newPipeline();
    for (let c = 0; c < PIPELINE_SIZE; c++) {
      const n = i * PIPELINE_SIZE + c;
      if (c % 2 === 0) p.set(keyOf(n), VALUE);
      else p.get(keyOf(n));
    }
    await p.exec();
  };
}

const singleUnit =
  (client: { get(k: string): Promise<unknown>; set(k: string, v: string): Promise<unknown> }): Unit =>
  (i) =>
    i % 2 === 0 ? client.set(keyOf(i), VALUE) : client.get(keyOf(i));

async function main(): Promise<void> {
  const started = performance.now();
  let redisServer: SpawnedRedis | undefined;
  let upstashLocal: ChildServer | undefined;
  let floor: ChildServer | undefined;
  let direct: IORedis | undefined;
  try {
    redisServer = await spawnRedisServer();
    const token = `bench-${randomBytes(8).toString("hex")}`;
    upstashLocal = await startChild(["upstash-local", token, redisServer.url]);
    floor = await startChild(["floor"]);
    direct = new IORedis(redisServer.url, { maxRetriesPerRequest: 1 });

    const options = { token, enableTelemetry: false, retry: { retries: 0 } } as const;
    const rest = new UpstashRedis({ ...options, url: upstashLocal.url, enableAutoPipelining: false });
    const restAuto = new UpstashRedis({ ...options, url: upstashLocal.url });
    const restFloor = new UpstashRedis({ ...options, url: floor.url, enableAutoPipelining: false });
    const io = direct;

    // every key exists before the first GET
    const seed = io.pipeline();
    for (let i = 0; i < KEYS; i++) seed.set(keyOf(i), VALUE);
    await seed.exec();

    const single: Workload = {
      name: `single GET/SET, ${SINGLE_CALLERS} callers`,
      commandsPerUnit: 1,
      units: count(6_000),
      warmupUnits: count(1_000),
      concurrency: SINGLE_CALLERS,
      clients: [
        { name: "@upstash/redis → upstash-local (enableAutoPipelining: false)", role: "rest", unit: singleUnit(rest) },
        { name: "@upstash/redis → upstash-local (auto-pipelining, default)", role: "rest", unit: singleUnit(restAuto) },
        { name: "ioredis → redis-server (direct TCP)", role: "direct", unit: singleUnit(io) },
        { name: "@upstash/redis → canned replies, no Redis (HTTP floor)", role: "floor", unit: singleUnit(restFloor) },
      ],
    };

    const pipelined: Workload = {
      name: `pipelined GET/SET, ${PIPELINE_SIZE} per batch, ${CONCURRENT_PIPELINES} concurrent`,
      commandsPerUnit: PIPELINE_SIZE,
      units: count(400),
      warmupUnits: count(50),
      concurrency: CONCURRENT_PIPELINES,
      clients: [
        { name: "@upstash/redis → upstash-local (redis.pipeline())", role: "rest", unit: pipelineUnit(() => rest.pipeline()) },
        { name: "ioredis → redis-server (pipeline())", role: "direct", unit: pipelineUnit(() => io.pipeline()) },
        {
          name: "@upstash/redis → canned replies, no Redis (HTTP floor)",
          role: "floor",
          unit: pipelineUnit(() => restFloor.pipeline()),
        },
      ],
    };

    process.stderr.write("upstash-local benchmark: 3 repetitions per client after a warm-up, medians reported\n");
    const singleRows = await runWorkload(single);
    const pipelinedRows = await runWorkload(pipelined);
    const pipelineRest = pipelinedRows.find((row) => row.role === "rest");
    const pipelineFloor = pipelinedRows.find((row) => row.role === "floor");

    const stats = await upstashLocal.close();
    upstashLocal = undefined;

    console.log("## upstash-local benchmark\n");
    console.log(
      `Node ${process.version}, redis-server ${redisServerVersion()}, upstash-local (default pool) in a child process; ` +
        `latency is per call: one command, or one ${PIPELINE_SIZE}-command pipeline.\n`,
    );
    console.log(table([...singleRows, ...pipelinedRows]));
    console.log(
      `\nupstash-local pipelined throughput / direct = ${pipelineRest?.ratio.toFixed(2)} (target ≥ ${TARGET_PIPELINE_RATIO.toFixed(2)})`,
    );
    if (pipelineRest && pipelineFloor) {
      console.log(
        `upstash-local pipelined throughput / HTTP floor = ${(pipelineRest.opsPerSec / pipelineFloor.opsPerSec).toFixed(2)} ` +
          `(the floor's own ratio to direct, ${pipelineFloor.ratio.toFixed(2)}, bounds what any REST server reaches here)`,
      );
    }
    if (stats) {
      console.log(
        `upstash-local served ${fmtInt(stats.httpRequests)} HTTP requests carrying ${fmtInt(stats.redisCommands)} Redis commands, ` +
          `${stats.errors} errors; total run ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    direct?.disconnect();
    await upstashLocal?.close();
    await floor?.close();
    await redisServer?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
