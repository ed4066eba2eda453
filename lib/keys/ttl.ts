/**
 * Default lifetimes of every key family, in one table. Units are in the names: `…Seconds` for records
 * written with EX (whole seconds are precise enough), `…Ms` for leases written with PX, where a
 * second of rounding is the difference between holding a lock and losing it.
 * Features take these as defaults; options may override them per call.
 */
export const DEFAULT_TTLS = {
  cache: {
    /** Any namespace without a profile below. */
    defaultSeconds: 300,
    /** Per data profile: how stale each kind of read may be. */
    profileSeconds: {
      users: 300,
      profiles: 180,
      posts: 60,
      messages: 30,
      notifications: 30,
      static: 3600,
      categories: 3600,
    },
  },
  /** @upstash/ratelimit sets PEXPIRE on its own window keys; the kit adds none. */
  rateLimit: "managed-by-limiter",
  lock: {
    /** Lease of a lock held by a background job (queue consumer, cron); extend for longer work. */
    jobLeaseMs: 5 * 60_000,
    /** Lease of a lock held within one request; a crashed function frees it quickly. */
    requestLeaseMs: 15_000,
  },
  dedupe: {
    /** How long an item id is remembered as seen (e.g. permit ids). */
    seenSeconds: 90 * 86_400,
  },
  idempotency: {
    /** How long a completed response stays replayable for its Idempotency-Key. */
    retentionSeconds: 24 * 3600,
    /** How long an in-flight claim blocks retries (409) before a crashed attempt is presumed dead. */
    inFlightLeaseMs: 60_000,
  },
  queue: {
    /** How long a job's status record (GET /jobs/:id) is kept after its last update. */
    jobStatusSeconds: 7 * 86_400,
  },
  session: {
    defaultSeconds: 15 * 60,
    /** The shortest session TTL `defineSessionStore` accepts (a shorter one is a RangeError): a session must outlive a slow upload. */
    minSeconds: 15 * 60,
    /** The longest it accepts (a longer one is a RangeError): these records are short-lived by design. */
    maxSeconds: 24 * 3600,
  },
  counter: {
    /** Per-minute buckets: enough for a last-hour view with margin, then they clean themselves up. */
    minuteBucketSeconds: 2 * 3600,
  },
  /** Flags stay until deleted. */
  flag: "persistent",
} as const;

export type DefaultTtls = typeof DEFAULT_TTLS;
export type CacheProfile = keyof DefaultTtls["cache"]["profileSeconds"];
