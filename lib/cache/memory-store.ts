/**
 * The per-instance fallback used while Redis is unreachable (or not configured): a bounded LRU of
 * envelopes plus the version tokens it needs to honour invalidations made on this instance. It is
 * never shared and never pretends to be: reads served from it report `backend: "memory"`.
 */
import { evaluateEntry, type CacheEnvelope, type EntryOutcome } from "./envelope";

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
 * A fresh, never-reused version or lease token. Not a Redis INCR: a counter evicted under memory
 * pressure restarts at 1 and would revive entries stamped 1 (cache-and-queue.md §A4, eviction hazard).
 * The isolate's random nonce + a local sequence is as unique as fresh random bytes, without a
 * `getRandomValues` call on every cached read (2.5 % of the gate's CPU when profiled, issue 10).
 * Tokens only prove ownership between the kit's own calls; they are never secrets.
 * Starts with a letter so the client's JSON parsing never turns it into a number.
 */
export function newToken(): string {
  isolateNonce ??= Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `v${isolateNonce}${(++tokenSequence).toString(36)}`;
}
