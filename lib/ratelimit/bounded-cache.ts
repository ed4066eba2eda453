/**
 * A size-bounded `Map<string, number>` for @upstash/ratelimit's `ephemeralCache` option.
 *
 * The library keeps denials there (`{prefix}:{identifier}` → blocked-until epoch ms) and serves a
 * repeat offender from it with no Redis call, but its own Map is unbounded: an entry only goes when
 * that identifier comes back after its reset (reference §1.2), so a flood of one-shot identities
 * grows an isolate's memory without limit. This subclass drops the oldest write past `maxEntries`
 * (Map iteration order = insertion order; a re-write moves an entry to the back), which at worst
 * forgets a denial — Redis still has the count, so forgetting never admits more than the limit.
 */
export class BoundedCache extends Map<string, number> {
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    super();
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be an integer >= 1, got ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  override set(key: string, value: number): this {
    // `super()` runs before `maxEntries` is assigned; Map's constructor adds nothing here, but be safe.
    if (this.maxEntries === undefined) return super.set(key, value);
    if (this.has(key)) this.delete(key);
    while (this.size >= this.maxEntries) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return super.set(key, value);
  }

  /** Blocked-until of `key` if it is still in the future; expired entries are removed on the way. */
  blockedUntil(key: string, now: number): number | undefined {
    const until = this.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.delete(key);
      return undefined;
    }
    return until;
  }
}
