/**
 * Queue figures for the metrics: read from the queues the app defines (lib/queue's `Queue.stats()`,
 * one script per queue), so a queue is reported however large the keyspace is. Without that list,
 * queues are discovered by a bounded SCAN, which on a large keyspace stops before it has seen them
 * all: it then says so in `unread` (→ the snapshot's `degraded`) instead of silently reporting fewer.
 */
import type { Kit } from "../kit";
import { CircuitOpenError } from "../errors";
import type { MetricsRedis } from "../redis";
import type { QueueStats as FeatureQueueStats } from "../queue";
import { classifyRedisError } from "../resilience";
import { readCounts } from "./counters";
import { scanKeys } from "./key-counts";
import type { QueueStats, Reading } from "./feature-stats";

/** What the metrics need of a queue; lib/queue's `Queue` (`createQueue(kit, …)`) is one. */
export interface QueueSource {
  readonly name: string;
  stats(): Promise<FeatureQueueStats>;
}

/** Discovery's bounds: SCAN calls of COUNT `pageSize`, and how many queues it reads at most. */
const DISCOVERY = { maxPages: 5, pageSize: 1000, maxQueues: 20 } as const;

/**
 * The given queues' stats; without `queues`, those of the queue streams a bounded SCAN finds.
 * A queue that could not be read is named in `unread`; the others are still reported.
 */
export async function readQueueStats(kit: Kit, queues?: readonly QueueSource[]): Promise<Reading<QueueStats[]>> {
  return queues ? readDefined(queues) : discover(kit);
}

async function readDefined(queues: readonly QueueSource[]): Promise<Reading<QueueStats[]>> {
  const settled = await Promise.allSettled(queues.map((q) => q.stats()));
  const value: QueueStats[] = [];
  const unread: string[] = [];
  settled.forEach((outcome, i) => {
    const name = queues[i]!.name;
    if (outcome.status === "fulfilled") value.push(fromQueueFeature(name, outcome.value));
    else unread.push(`${name}: ${failureText(outcome.reason)}`);
  });
  // None readable: null, not an empty list, which would read as "this app has no queues".
  return { value: value.length === 0 && unread.length > 0 ? null : value, unread };
}

/** lib/queue's stats in the metrics' shape (all-time totals are the throughput counters). */
function fromQueueFeature(name: string, s: FeatureQueueStats): QueueStats {
  const counts = Object.fromEntries(Object.entries(s.totals).filter((e): e is [string, number] => e[1] !== undefined));
  return { name, length: s.length, pending: s.pending, lag: s.lag, delayed: s.delayed, deadLetters: s.deadLetters, counts };
}

/** `Queue.stats()` fails closed (lib/queue guards it); its error says why. Anything else is a bug: rethrown. */
function failureText(err: unknown): string {
  if (err instanceof CircuitOpenError) return "skipped, circuit breaker open";
  const kind = classifyRedisError(err);
  if (kind === "timeout") return "timeout";
  if (kind === "unavailable") return "redis-error";
  throw err;
}

async function discover(kit: Kit): Promise<Reading<QueueStats[]>> {
  const redis: MetricsRedis | null = kit.redis;
  if (!redis) return { value: [], unread: [] };
  const familyPrefix = kit.keys.family("queue");
  const scan = await scanKeys(redis, kit.keys.scanPattern("queue"), DISCOVERY);
  const names = [...new Set(scan.keys.map((key) => decodeURIComponent(key.slice(familyPrefix.length))))].sort();
  const unread: string[] = [];
  if (!scan.complete) {
    unread.push(`discovery incomplete (SCAN stopped after ${scan.pages} pages of a larger keyspace; pass the app's queues to read them all)`);
  }
  if (names.length > DISCOVERY.maxQueues) unread.push(`${names.length - DISCOVERY.maxQueues} more queue(s) not read (at most ${DISCOVERY.maxQueues})`);
  const value = await Promise.all(names.slice(0, DISCOVERY.maxQueues).map((name) => readStream(kit, redis, name)));
  return { value, unread };
}

/** Depth, pending, lag, delayed and dead letters read directly from a queue's keys (discovery only). */
async function readStream(kit: Kit, redis: MetricsRedis, name: string): Promise<QueueStats> {
  const stream = kit.keys.queueStream(name);
  const [length, groups, delayed, deadLetters, counts] = await Promise.all([
    redis.xlen(stream),
    redis.xinfo(stream, { type: "GROUPS" }),
    redis.zcard(kit.keys.queueDelayed(name)),
    redis.xlen(kit.keys.queueDeadLetter(name)),
    readCounts(kit, `queue.${name}`),
  ]);
  // The queue's consumers join one group ("workers"); report that one, else the first.
  const all = groups.map(pairsToRecord);
  const group = all.find((g) => g["name"] === "workers") ?? all[0];
  return {
    name,
    length,
    pending: group ? numberOrNull(group["pending"]) : null,
    lag: group ? numberOrNull(group["lag"]) : null,
    delayed,
    deadLetters,
    counts,
  };
}

/** XINFO replies are flat `[field, value, field, value…]` arrays. */
function pairsToRecord(entry: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(entry)) return out;
  for (let i = 0; i + 1 < entry.length; i += 2) out[String(entry[i])] = entry[i + 1];
  return out;
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}
