/**
 * `createDedupe(kit, { scope })`: "have I seen this id?" with a window per id, checked and marked
 * in one atomic step, for one id or a batch in ONE round trip.
 */
import { toMs, type Duration } from "../duration";
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import { recordCounts } from "../observability";
import { runScript, type DedupeRedis } from "../redis";
import { guard, type DegradedReason, type EmitResilienceEvent, type GuardCommonOptions, kitGuardOptions } from "../resilience";
import { DEDUPE_MARK } from "./scripts";

/** Most ids one `mark()` accepts (the request stays far below Upstash's 10 MB request limit). */
export const MAX_DEDUPE_BATCH = 10_000;
// Ids per script call. All chunks are sent in the same tick, so auto-pipelining puts them in ONE
// HTTP request and Redis runs them in order: a repeat across chunks is still caught.
const CHUNK = 500;

export interface DedupeOptions {
  /** Names the id space: `kit:dedupe:{scope}:{id}` (e.g. "permits"). */
  scope: string;
  /**
   * How long an id is remembered, counted from the first time it is seen (a repeat does not
   * extend it). Millisecond precision.
   * @default DEFAULT_TTLS.dedupe.seenSeconds (90 days)
   */
  ttl?: Duration;
  /**
   * When Redis is unreachable: `closed` throws (E_REDIS_* → 503: nothing processed twice, nothing
   * dropped); `open` answers every id as fresh with `degraded` set (duplicates may get through).
   * Treating everything as seen is never offered: it would silently drop new items.
   * @default "closed"
   */
  failPolicy?: "closed" | "open";
  emit?: EmitResilienceEvent;
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface DedupeResult {
  /** Ids not seen within the window, in input order; marked as seen now. Listed once each. */
  fresh: string[];
  /** Ids seen before (or earlier in this same batch), in input order. */
  duplicates: string[];
  /** Set when Redis was unreachable and the `open` policy answered instead (all ids fresh). */
  degraded?: DegradedReason;
  /** `false` in memory mode: only this instance's ids are remembered. */
  shared: boolean;
}

export interface Dedupe {
  /** Checks and marks every id atomically, in one round trip; which are new, which repeats. */
  mark(ids: readonly string[]): Promise<DedupeResult>;
  /** One id: `true` when new (and now marked). */
  markOne(id: string): Promise<boolean>;
  /** Forgets ids (e.g. processing failed and they must be accepted again). Returns how many were known. */
  forget(ids: readonly string[]): Promise<number>;
}

const memoryStores = new WeakMap<Kit, Map<string, number>>();

export function createDedupe(kit: Kit, options: DedupeOptions): Dedupe {
  const ttlMs = Math.round(toMs(options.ttl ?? DEFAULT_TTLS.dedupe.seenSeconds * 1000));
  if (ttlMs < 1) throw new RangeError("dedupe ttl must be at least 1 ms");
  const failPolicy = options.failPolicy ?? "closed";
  const keyOf = (id: string) => kit.keys.dedupe(options.scope, id);
  const guardCommon = (name: string): GuardCommonOptions => kitGuardOptions(kit, name, options.emit);
  const count = (fields: Record<string, number>) => {
    const write = recordCounts(kit, "dedupe", fields);
    options.waitUntil?.(write);
  };

  const flagsFor = kit.redis ? redisFlags(kit.redis, ttlMs) : memoryFlags(kit, ttlMs);

  async function mark(ids: readonly string[]): Promise<DedupeResult> {
    if (ids.length > MAX_DEDUPE_BATCH) throw new RangeError(`dedupe.mark: at most ${MAX_DEDUPE_BATCH} ids per call, got ${ids.length}`);
    if (ids.length === 0) return { fresh: [], duplicates: [], shared: kit.redis !== null };
    const keys = ids.map(keyOf); // validates every id before anything is sent
    const op = () => flagsFor(keys);
    const { value: flags, degraded } =
      failPolicy === "open"
        ? await guard(op, { ...guardCommon("dedupe.mark"), failPolicy: "open", fallback: () => keys.map((k, i) => (keys.indexOf(k) === i ? 1 : 0)) })
        : await guard(op, { ...guardCommon("dedupe.mark"), failPolicy: "closed" });
    const fresh: string[] = [];
    const duplicates: string[] = [];
    ids.forEach((id, i) => (Number(flags[i]) === 1 ? fresh : duplicates).push(id));
    if (degraded) {
      count({ degraded: 1, fresh: fresh.length });
      // Visible on purpose (result, counter, guard event): in this mode earlier duplicates get through.
      return { fresh, duplicates, degraded, shared: kit.redis !== null };
    }
    count({ fresh: fresh.length, duplicates: duplicates.length });
    return { fresh, duplicates, shared: kit.redis !== null };
  }

  return Object.freeze({
    mark,
    async markOne(id: string) {
      return (await mark([id])).fresh.length === 1;
    },
    async forget(ids: readonly string[]) {
      if (ids.length === 0) return 0;
      const keys = ids.map(keyOf);
      if (!kit.redis) {
        const seen = memoryStore(kit);
        return keys.filter((k) => seen.delete(k)).length;
      }
      const redis = kit.redis;
      const { value } = await guard(() => redis.del(...keys), { ...guardCommon("dedupe.forget"), failPolicy: "closed" });
      return value;
    },
  });
}

function redisFlags(redis: DedupeRedis, ttlMs: number) {
  return async (keys: string[]): Promise<Array<0 | 1>> => {
    const calls: Promise<Array<0 | 1>>[] = [];
    for (let i = 0; i < keys.length; i += CHUNK) calls.push(runScript(redis, DEDUPE_MARK, keys.slice(i, i + CHUNK), [ttlMs]));
    return (await Promise.all(calls)).flat();
  };
}

function memoryStore(kit: Kit): Map<string, number> {
  const store = memoryStores.get(kit) ?? new Map<string, number>();
  memoryStores.set(kit, store);
  return store;
}

function memoryFlags(kit: Kit, ttlMs: number) {
  return async (keys: string[]): Promise<Array<0 | 1>> => {
    const seen = memoryStore(kit);
    const now = kit.clock.now();
    return keys.map((key) => {
      const until = seen.get(key);
      if (until !== undefined && until > now) return 0;
      seen.set(key, now + ttlMs);
      return 1;
    });
  };
}
