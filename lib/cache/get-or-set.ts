/**
 * `getOrSet`: read; on a miss load once across instances, store, return; refresh stale values in the
 * background. Concurrent callers in one process share one promise first (bounded, see `joinMs`).
 *
 * The stored value is always stamped with version tokens captured BEFORE its loader ran (CACHE_WRITE
 * `=token`), so a value loaded before an invalidation is never written as valid after it. Tokens that
 * do not exist yet are created first (the lease script does it, or `ensureVersions` without a lease);
 * when none could be captured (Redis degraded) the value is kept in this instance's memory only.
 *
 * Across instances one caller wins the fill lease (SET NX PX) and loads; the others poll with
 * CACHE_LOOKUP (one command: the read, plus the lease if the entry is still missing), so a winner
 * whose loader failed — it releases the lease — is replaced at the next poll, not after `lease.wait`.
 */
import type { Clock } from "../clock";
import type { Keys } from "../keys";
import { capturedStamp, type BackendInfo, type CacheBackend, type PendingEntry } from "./backend";
import type { CacheEnvelope, EntryOutcome } from "./envelope";
import { newLeaseToken } from "./memory-store";
import type { CacheLookup, GetOrSetOptions, LeaseOptions, WriteOptions } from "./types";

/** Poll delays of a caller waiting for another instance's loader (then 250 ms each). */
const POLL_DELAYS_MS = [25, 50, 100, 150, 200];

/** One in-process load that later callers of the same key and tags join. */
export interface Flight {
  promise: Promise<unknown>;
  startedAt: number;
}

/** What the namespaced cache lends getOrSet (closures of cache.ts). */
export interface GetOrSetContext {
  namespace: string;
  backend: CacheBackend;
  keys: Keys;
  clock: Clock;
  /** Shared by every namespace of one cache: the in-process single-flight. */
  inflight: Map<string, Flight>;
  note<R extends BackendInfo>(result: R): R;
  toLookup<T>(read: BackendInfo & { outcome: EntryOutcome; entry?: CacheEnvelope }, key?: string): CacheLookup<T>;
  leaseSettings(call: false | LeaseOptions | undefined): false | { ttlMs: number; waitMs: number };
  /** How long a caller joins another caller's in-process load (the lease ttl). */
  joinMs(call: false | LeaseOptions | undefined): number;
  pending(key: string, value: unknown, ttl: WriteOptions): PendingEntry;
  background(promise: Promise<unknown>, key: string, call: GetOrSetOptions): void;
}

type Loader<T> = () => Promise<T> | T;
type Tokens = readonly (string | undefined)[] | undefined;

export function createGetOrSet(ctx: GetOrSetContext) {
  const { namespace, backend, keys, clock, inflight, note } = ctx;

  /** The tokens to stamp with: `tokens` when complete, else the current ones (missing ones created now). */
  async function capture(tags: readonly string[], tokens: Tokens): Promise<Tokens> {
    if (capturedStamp(tokens, tags.length + 1)) return tokens;
    return note(await backend.ensureVersions(namespace, tags)).tokens;
  }

  /** Gives a lease back; a failure to do so is the guard's to report, and the lease lapses anyway. */
  async function release(entryKey: string, leaseToken: string): Promise<void> {
    try {
      await backend.releaseLease(entryKey, leaseToken);
    } catch {
      // Only under the `closed` fail policy; the guard already emitted why.
    }
  }

  /**
   * Loads, then writes stamped with `tokens` (memory only when they are not a complete captured set).
   * Holding `leaseToken`: the lease is released however this ends (write + release in one request on success).
   */
  async function loadAndStore<T>(key: string, loader: Loader<T>, call: GetOrSetOptions, tokens: Tokens, leaseToken: string | undefined): Promise<T> {
    const tags = call.tags ?? [];
    const entryKey = keys.cache(namespace, key);
    let released = false;
    try {
      const value = await loader();
      const entry = ctx.pending(key, value, call);
      const stamp = capturedStamp(tokens, tags.length + 1);
      if (!stamp) note(backend.writeUnshared(namespace, tags, [entry]));
      else if (!leaseToken) note(await backend.write(namespace, tags, [entry], stamp));
      else {
        note(await backend.writeAndRelease(namespace, tags, [entry], stamp, { entryKey, token: leaseToken }));
        released = true;
      }
      return value;
    } finally {
      // Loader threw, value unserializable or too large, write failed: the next caller must not wait for the lease to lapse.
      if (leaseToken && !released) await release(entryKey, leaseToken);
    }
  }

  /** Takes the lease (creating missing version keys unless `tokens` is complete); loads if won, else undefined. */
  async function loadIfLeased<T>(key: string, loader: Loader<T>, call: GetOrSetOptions, tokens: Tokens, ttlMs: number): Promise<{ value: T } | undefined> {
    const tags = call.tags ?? [];
    const leaseToken = newLeaseToken();
    const ensure = capturedStamp(tokens, tags.length + 1) ? undefined : { namespace, tags };
    const taken = note(await backend.acquireLease(keys.cache(namespace, key), leaseToken, ttlMs, ensure));
    if (!taken.won) return undefined;
    return { value: await loadAndStore(key, loader, call, taken.tokens ?? tokens, taken.backend === "redis" ? leaseToken : undefined) };
  }

  /** Stale hit: one caller (cluster-wide) refreshes; the others keep serving the stale value. */
  async function refresh<T>(key: string, loader: Loader<T>, call: GetOrSetOptions, tokens: Tokens): Promise<void> {
    const lease = ctx.leaseSettings(call.lease);
    if (lease === false) await loadAndStore(key, loader, call, await capture(call.tags ?? [], tokens), undefined);
    else await loadIfLeased(key, loader, call, tokens, lease.ttlMs);
  }

  /**
   * Starts the background refresh of a stale key unless one is already running in this process. The
   * in-flight join ends as soon as the stale value is returned, so without this every later stale read
   * started a refresh of its own — with `lease: false` (no lease to lose) one loader call per read until
   * the first refresh landed. Bounded like a join: one that has not settled after `joinMs` is replaced.
   */
  function refreshOnce(key: string, call: GetOrSetOptions, start: () => Promise<void>): void {
    const refreshKey = `refresh\n${keys.cache(namespace, key)}\n${(call.tags ?? []).join("\n")}`;
    const running = inflight.get(refreshKey);
    if (running && clock.now() - running.startedAt < ctx.joinMs(call.lease)) return;
    const promise: Promise<void> = start().finally(() => {
      if (inflight.get(refreshKey)?.promise === promise) inflight.delete(refreshKey);
    });
    inflight.set(refreshKey, { promise, startedAt: clock.now() });
    ctx.background(promise, key, call);
  }

  async function fill<T>(key: string, loader: Loader<T>, call: GetOrSetOptions): Promise<T> {
    const tags = call.tags ?? [];
    const startedAt = clock.now();
    const read = call.forceFresh ? undefined : note(await backend.read(namespace, key, tags, true));
    if (read) {
      const found = ctx.toLookup<T>(read, key);
      if (found.status === "hit") return found.value as T;
      if (found.status === "stale") {
        refreshOnce(key, call, () => refresh(key, loader, call, read.tokens));
        return found.value as T;
      }
      if (read.backend === "memory") return loadAndStore(key, loader, call, undefined, undefined);
    }
    const lease = ctx.leaseSettings(call.lease);
    if (lease === false) return loadAndStore(key, loader, call, await capture(tags, read?.tokens), undefined);
    const won = await loadIfLeased(key, loader, call, read?.tokens, lease.ttlMs);
    if (won) return won.value;
    return waitForWinner(key, loader, call, lease, startedAt);
  }

  /**
   * Another instance holds the lease: poll for its value. Each poll is one CACHE_LOOKUP, which also
   * takes the lease if the entry is still missing (the winner failed and released it): then this
   * caller loads. Under `forceFresh` only a value created after the call started is accepted.
   * When `lease.wait` runs out, load without writing (fail-open).
   */
  async function waitForWinner<T>(key: string, loader: Loader<T>, call: GetOrSetOptions, lease: { ttlMs: number; waitMs: number }, startedAt: number): Promise<T> {
    const tags = call.tags ?? [];
    const entryKey = keys.cache(namespace, key);
    const acceptable = (found: CacheLookup<T>) => found.status !== "miss" && (!call.forceFresh || (found.createdAt ?? -Infinity) >= startedAt);
    const deadline = clock.now() + lease.waitMs;
    for (let attempt = 0; clock.now() < deadline; attempt++) {
      await sleep(Math.min(POLL_DELAYS_MS[attempt] ?? 250, Math.max(0, deadline - clock.now())));
      const leaseToken = newLeaseToken();
      const polled = note(await backend.lookupOrLease(namespace, key, tags, { proof: "", leaseToken, leaseMs: lease.ttlMs }));
      if (polled.outcome === "proven") continue; // not asked for (no proof sent)
      const found = ctx.toLookup<T>({ ...polled, outcome: polled.outcome }, key);
      const mine = polled.leased && polled.backend === "redis";
      if (acceptable(found)) {
        if (mine) await release(entryKey, leaseToken);
        return found.value as T;
      }
      if (polled.backend === "memory") break;
      if (mine) return loadAndStore(key, loader, call, polled.tokens, leaseToken);
      // A fresh hit takes no lease in CACHE_LOOKUP; one rejected here (undecodable, or older than a
      // forceFresh call) is replaced by whoever takes the lease now, if the holder is gone.
      if (polled.outcome === "hit") {
        const won = await loadIfLeased(key, loader, call, undefined, lease.ttlMs);
        if (won) return won.value;
      }
    }
    return await loader();
  }

  /**
   * Joins a load of the same key already running in this process, for at most `joinMs` after it
   * started (the lease ttl: when another instance may take the load over too). A loader that never
   * settles therefore holds its callers only, not every later caller of the key in this isolate.
   */
  return function getOrSet<T>(key: string, loader: Loader<T>, call: GetOrSetOptions = {}): Promise<T> {
    const flightKey = `${keys.cache(namespace, key)}\n${(call.tags ?? []).join("\n")}`;
    const bound = ctx.joinMs(call.lease);
    const existing = call.forceFresh ? undefined : inflight.get(flightKey);
    if (existing) {
      const left = existing.startedAt + bound - clock.now();
      if (left > 0) return join(existing, left, () => getOrSet(key, loader, call)) as Promise<T>;
      if (inflight.get(flightKey) === existing) inflight.delete(flightKey);
    }
    const promise = fill(key, loader, call).finally(() => {
      if (inflight.get(flightKey)?.promise === promise) inflight.delete(flightKey);
    });
    inflight.set(flightKey, { promise, startedAt: clock.now() });
    return promise;

    function join(flight: Flight, waitMs: number, retry: () => Promise<T>): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          // Abandoned: the next caller (this one included) starts a load of its own.
          if (inflight.get(flightKey) === flight) inflight.delete(flightKey);
          retry().then(resolve, reject);
        }, waitMs);
        flight.promise.then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
