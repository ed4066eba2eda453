/**
 * Narrow slices of the Upstash client, one per feature (code-style pattern 3). A feature states
 * exactly which commands it sends, tolerates version skew of `@upstash/redis`, and never imports
 * the concrete client. Features may widen their own slice here when they need another command.
 *
 * Every slice is a `Pick` of the real client, so the real client satisfies all of them and tests
 * pass the real client too (no hand-written fakes of Redis).
 */
import type { Redis } from "@upstash/redis";

/** The full client, for the composition root and tools only. */
export type { Redis };

/** EVALSHA with EVAL as the NOSCRIPT fallback (see `runScript`). */
export type ScriptRedis = Pick<Redis, "evalsha" | "eval">;

/** Liveness probe. */
export type PingRedis = Pick<Redis, "ping">;

/** Health checks: PING plus a write/read/delete probe key. */
export type HealthRedis = Pick<Redis, "ping" | "set" | "get" | "del">;

/** Cached reads: entries, batch reads/writes, namespace version counters, tag sets, prefix scans. */
export type CacheRedis = ScriptRedis &
  Pick<Redis, "get" | "set" | "del" | "unlink" | "mget" | "mset" | "incr" | "pexpire" | "sadd" | "smembers" | "srem" | "scan" | "hmget">;

/** Owner-token locks: SET NX PX to acquire, scripts to release/extend, INCR for fencing numbers. */
export type LockRedis = ScriptRedis & Pick<Redis, "set" | "get" | "pttl" | "incr">;

/** Idempotency records: claim with SET NX PX, complete/replay via scripts and GET. */
export type IdempotencyRedis = ScriptRedis & Pick<Redis, "set" | "get" | "del" | "pttl">;

/** "Seen before?" markers with per-item expiry. */
export type DedupeRedis = ScriptRedis & Pick<Redis, "set" | "exists" | "del">;

/** Feature flags and system state: one hash, a JSON `{ v }` per field (atomic per flag, listed in one command). */
export type FlagRedis = Pick<Redis, "hget" | "hset" | "hdel" | "hgetall">;

/** Short-lived session records. */
export type SessionRedis = Pick<Redis, "set" | "get" | "del" | "pexpire" | "pttl">;

/** Shared counters (metrics): per-minute hashes and plain counters with expiry. */
export type CounterRedis = Pick<Redis, "incrby" | "hincrby" | "expire" | "pexpire" | "get" | "mget" | "hgetall" | "hmget">;

/**
 * Rate limiting: what @upstash/ratelimit sends (EVALSHA, EVAL on NOSCRIPT, GET/SET for dynamic limits)
 * plus the kit's penalty markers (GETEX/SET PX) and the shared deny list (a set of hashes, SADD/SREM).
 */
export type RateLimitRedis = ScriptRedis & Pick<Redis, "get" | "getex" | "set" | "sadd" | "srem">;

/** Redis Streams queue: no blocking reads on REST, XAUTOCLAIM for stale messages, job records in hashes. */
export type StreamRedis = ScriptRedis &
  Pick<
    Redis,
    | "xadd"
    | "xreadgroup"
    | "xack"
    | "xautoclaim"
    | "xpending"
    | "xgroup"
    | "xlen"
    | "xdel"
    | "xtrim"
    | "xrange"
    | "xinfo"
    | "hset"
    | "hget"
    | "hgetall"
    | "expire"
    | "zcard"
    | "get"
    | "hincrby"
  >;

/**
 * Metrics and the dashboard (lib/observability): INFO (through `exec`, the client has no `info`),
 * bounded SCAN sampling per key family, counter hashes, queue depth/lag, per-minute history samples.
 */
export type MetricsRedis = Pick<
  Redis,
  "ping" | "exec" | "scan" | "exists" | "dbsize" | "hgetall" | "hset" | "expire" | "xlen" | "xinfo" | "zcard" | "pipeline"
>;
