/**
 * The per-instance fallback used while Redis is unreachable (or not configured): a bounded LRU of
 * envelopes plus the version tokens it needs to honour invalidations made on this instance. It is
 * never shared and never pretends to be: reads served from it report `backend: "memory"`.
 */
import { evaluateEntry, type CacheEnvelope, type EntryOutcome } from "./envelope";
import { toHex } from "../hex";

export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used is evicted first. */
  maxEntries: number;
}

export interface MemoryRead {
  outcome: EntryOutcome;
  entry: CacheEnvelope | undefined;
}

/** Version tokens kept at most (namespaces + tags seen on this instance). */
const MAX_VERSIONS = 10_000;

export class MemoryStore {
  readonly #entries = new Map<string, CacheEnvelope>();
  readonly #versions = new Map<string, string>();
  readonly #maxEntries: number;

  constructor(options: MemoryStoreOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`memory.maxEntries must be an integer >= 0, got ${options.maxEntries}`);
    }
    this.#maxEntries = options.maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  read(key: string, nsVersionKey: string, now: number): MemoryRead {
    const entry = this.#entries.get(key);
    const outcome = evaluateEntry(entry, nsVersionKey, (k) => this.#versions.get(k), now);
    if (outcome === "hit" || outcome === "stale") {
      // Refresh recency: Map iteration order is insertion order, so re-insert at the end.
      this.#entries.delete(key);
      this.#entries.set(key, entry!);
      return { outcome, entry };
    }
    if (entry && outcome !== "miss") this.#entries.delete(key);
    return { outcome, entry: undefined };
  }

  /** Stores `entry` stamped with this instance's current tokens (created on first use). */
  write(key: string, entry: Omit<CacheEnvelope, "n" | "g">, nsVersionKey: string, tagKeys: readonly string[]): void {
    if (this.#maxEntries === 0) return;
    const g: Record<string, string> = {};
    for (const tagKey of tagKeys) g[tagKey] = this.#token(tagKey);
    this.#entries.delete(key);
    this.#entries.set(key, { ...entry, n: this.#token(nsVersionKey), g });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(keys: readonly string[]): number {
    let deleted = 0;
    for (const key of keys) if (this.#entries.delete(key)) deleted++;
    return deleted;
  }

  deletePrefix(prefix: string): number {
    let deleted = 0;
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix) && this.#entries.delete(key)) deleted++;
    return deleted;
  }

  /** Invalidates every entry stamped with the current token of each key. */
  bump(versionKeys: readonly string[]): void {
    for (const key of versionKeys) this.#versions.set(key, newToken());
  }

  #token(versionKey: string): string {
    let token = this.#versions.get(versionKey);
    if (token === undefined) {
      if (this.#versions.size >= MAX_VERSIONS) {
        // Forgetting a token invalidates its entries (missing = invalid): safe, only costs misses.
        this.#versions.clear();
        this.#entries.clear();
      }
      token = newToken();
      this.#versions.set(versionKey, token);
    }
    return token;
  }
}

/**
 * 96 random bits drawn once per isolate: what makes this isolate's tokens unlike any other's. Drawn
 * on first use, not at module load: workerd forbids random values in global scope.
 */
let isolateNonce: string | undefined;
let tokenSequence = 0;

/**
 * A fresh, never-reused version token. Not a Redis INCR: a counter evicted under memory pressure
 * restarts at 1 and would revive entries stamped 1 (cache-and-queue.md §A4, eviction hazard).
 * The isolate's random nonce + a local sequence is as unique as fresh random bytes, without a
 * `getRandomValues` call on every cached read (2.5 % of the gate's CPU when profiled, issue 10).
 * Version tokens only need to be unique, not unguessable: knowing one grants nothing. Lease tokens
 * do grant something (a fill ticket lets its holder write the entry), so they come from
 * `newLeaseToken`, which is unpredictable.
 * Starts with a letter so the client's JSON parsing never turns it into a number.
 */
export function newToken(): string {
  isolateNonce ??= toHex(crypto.getRandomValues(new Uint8Array(12)));
  return `v${isolateNonce}${(++tokenSequence).toString(36)}`;
}

/** Random bytes drawn 1 KiB at a time: one `getRandomValues` call per 64 lease tokens. */
const LEASE_TOKEN_BYTES = 16;
const RANDOM_POOL_BYTES = 1024;
let randomPool = new Uint8Array(0);
let randomPoolOffset = 0;

/**
 * A fresh lease token: 128 random bits, so a lease (and the fill ticket built on it, which lets its
 * holder write the cache entry) can be neither guessed nor derived from another token that leaked.
 * Drawn from a lazily filled pool, not at module load: workerd forbids random values in global scope.
 */
export function newLeaseToken(): string {
  if (randomPoolOffset + LEASE_TOKEN_BYTES > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES));
    randomPoolOffset = 0;
  }
  const bytes = randomPool.subarray(randomPoolOffset, (randomPoolOffset += LEASE_TOKEN_BYTES));
  return `l${toHex(bytes)}`;
}
