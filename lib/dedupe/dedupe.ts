/**
 * `createDedupe(kit, { scope })`: "have I seen this id?" with a window per id, checked and marked
 * in one atomic step, for one id or a batch in ONE round trip.
 *
 * Every call marks with its own random token (scripts.ts says why), so:
 * - a retry of the same call (the client's REDIS_RETRIES after a lost reply) answers its ids fresh;
 * - a call that fails closed (Redis unreachable, a reply lost after Redis applied the marks) gives
 *   its marks back with a token-checked delete handed to `waitUntil`, so the caller's retry — a new
 *   call with a new token — is not told that ids nobody processed are duplicates;
 * - a caller whose processing fails after a successful mark gives the ids back with
 *   `forget(fresh, { token })`, touching no marker another call set.
 * What remains: the give-back is best effort. If it cannot reach Redis either, or the marking
 * request is still queued at the server when the give-back runs (a timeout, not a lost reply), the
 * ids stay marked until their window ends, and a retry reports them as duplicates.
 */
import { toMs, type Duration } from "../duration";
import type { Kit } from "../kit";
import { DEFAULT_TTLS } from "../keys";
import { recordCounts } from "../observability";
import { runScript, type DedupeRedis } from "../redis";
import { guard, type DegradedReason, type EmitResilienceEvent, type GuardCommonOptions, kitGuardOptions } from "../resilience";
import { toHex } from "../hex";
import { DEDUPE_MARK, DEDUPE_UNMARK } from "./scripts";

/** Most ids one `mark()` accepts (the request stays far below Upstash's 10 MB request limit). */
export const MAX_DEDUPE_BATCH = 10_000;
// Ids per script call. All chunks are sent in the same tick, so auto-pipelining puts them in ONE
// HTTP request and Redis runs them in order.
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
  /** Hands background work (counters, the give-back of a failed call's marks) to the platform. */
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
  /** This call's marker token: `forget(fresh, { token })` gives back exactly what this call marked. */
  token: string;
}

export interface Dedupe {
  /** Checks and marks every id atomically, in one round trip; which are new, which repeats. */
  mark(ids: readonly string[]): Promise<DedupeResult>;
  /** One id: `true` when new (and now marked). */
  markOne(id: string): Promise<boolean>;
  /**
   * Forgets ids (e.g. processing failed and they must be accepted again). With `token` (a
   * DedupeResult's), only markers that call set are removed. Returns how many were removed.
   */
  forget(ids: readonly string[], options?: { token?: string }): Promise<number>;
}

interface MemoryMark {
  until: number;
  token: string;
}

const memoryStores = new WeakMap<Kit, Map<string, MemoryMark>>();

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

  const markers = kit.redis ? redisMarkers(kit.redis, ttlMs) : memoryMarkers(kit, ttlMs);
  const shared = kit.redis !== null;

  /** Gives back a failed call's marks, off the caller's path; never rejects. */
  function giveBack(keys: readonly string[], token: string): void {
    const done = guard(() => markers.unmark(keys, token), { ...guardCommon("dedupe.unmark"), failPolicy: "open", fallback: () => 0 }).then(
      ({ degraded }) => {
        if (degraded) console.warn(`[edge-kit] dedupe "${options.scope}": could not give back the marks of a failed call (${degraded}); those ids count as seen until they expire.`);
      },
      (err: unknown) => console.warn(`[edge-kit] dedupe "${options.scope}": giving back the marks of a failed call failed:`, err),
    );
    options.waitUntil?.(done);
  }

  async function mark(ids: readonly string[]): Promise<DedupeResult> {
    if (ids.length > MAX_DEDUPE_BATCH) throw new RangeError(`dedupe.mark: at most ${MAX_DEDUPE_BATCH} ids per call, got ${ids.length}`);
    const token = newToken();
    if (ids.length === 0) return { fresh: [], duplicates: [], shared, token };
    const keys = ids.map(keyOf); // validates every id before anything is sent
    // Each key is sent once: a repeat inside the batch is answered here, which is what lets the
    // script read "this marker holds my token" as "an earlier run of this call", never "a repeat".
    const unique = [...new Set(keys)];
    const op = () => markers.mark(unique, token);
    let result: { value: Array<0 | 1>; degraded?: DegradedReason };
    if (failPolicy === "open") {
      // Degraded: the ids are answered fresh and will be processed, so marks that did land stay.
      result = await guard(op, { ...guardCommon("dedupe.mark"), failPolicy: "open", fallback: () => unique.map(() => 1 as const) });
    } else {
      try {
        result = await guard(op, { ...guardCommon("dedupe.mark"), failPolicy: "closed" });
      } catch (err) {
        // The marks may have landed although we got no answer: the caller will process nothing now
        // and retry, so take back whatever this token marked (token-checked: nobody else's).
        giveBack(unique, token);
        throw err;
      }
    }
    const isFresh = new Map(unique.map((key, i) => [key, Number(result.value[i]) === 1]));
    const fresh: string[] = [];
    const duplicates: string[] = [];
    ids.forEach((id, i) => {
      const key = keys[i]!;
      if (isFresh.get(key)) {
        isFresh.set(key, false); // listed once; a later repeat in the batch is a duplicate
        fresh.push(id);
      } else duplicates.push(id);
    });
    if (result.degraded) {
      count({ degraded: 1, fresh: fresh.length });
      // Visible on purpose (result, counter, guard event): in this mode earlier duplicates get through.
      return { fresh, duplicates, degraded: result.degraded, shared, token };
    }
    count({ fresh: fresh.length, duplicates: duplicates.length });
    return { fresh, duplicates, shared, token };
  }

  return Object.freeze({
    mark,
    async markOne(id: string) {
      return (await mark([id])).fresh.length === 1;
    },
    async forget(ids: readonly string[], forgetOptions: { token?: string } = {}) {
      if (ids.length === 0) return 0;
      const keys = ids.map(keyOf);
      const { token } = forgetOptions;
      const { value } = await guard(() => (token === undefined ? markers.remove(keys) : markers.unmark(keys, token)), {
        ...guardCommon("dedupe.forget"),
        failPolicy: "closed",
      });
      return value;
    },
  });
}

interface Markers {
  /** One flag per key: 1 new (or already this token's), 0 seen. */
  mark(keys: readonly string[], token: string): Promise<Array<0 | 1>>;
  /** Deletes the markers holding `token`; how many. */
  unmark(keys: readonly string[], token: string): Promise<number>;
  /** Deletes the markers whoever set them; how many existed. */
  remove(keys: readonly string[]): Promise<number>;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function redisMarkers(redis: DedupeRedis, ttlMs: number): Markers {
  return {
    async mark(keys, token) {
      return (await Promise.all(chunks(keys).map((part) => runScript(redis, DEDUPE_MARK, part, [ttlMs, token])))).flat();
    },
    async unmark(keys, token) {
      const removed = await Promise.all(chunks(keys).map((part) => runScript(redis, DEDUPE_UNMARK, part, [token])));
      return removed.reduce((sum, n) => sum + Number(n), 0);
    },
    remove: (keys) => redis.del(...keys),
  };
}

function memoryStore(kit: Kit): Map<string, MemoryMark> {
  const store = memoryStores.get(kit) ?? new Map<string, MemoryMark>();
  memoryStores.set(kit, store);
  return store;
}

function memoryMarkers(kit: Kit, ttlMs: number): Markers {
  const live = (key: string): MemoryMark | undefined => {
    const mark = memoryStore(kit).get(key);
    return mark !== undefined && mark.until > kit.clock.now() ? mark : undefined;
  };
  return {
    async mark(keys, token) {
      const seen = memoryStore(kit);
      return keys.map((key) => {
        const current = live(key);
        if (current) return current.token === token ? 1 : 0;
        seen.set(key, { until: kit.clock.now() + ttlMs, token });
        return 1;
      });
    },
    async unmark(keys, token) {
      return keys.filter((key) => live(key)?.token === token && memoryStore(kit).delete(key)).length;
    },
    async remove(keys) {
      return keys.filter((key) => memoryStore(kit).delete(key)).length;
    },
  };
}

/** 64 random bits: only has to differ from every other call's token for the same ids. */
function newToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)));
}
