/**
 * "Seen before?" for a batch of ids in one atomic step: one marker key per id, each with its own
 * expiry (`SET key <token> NX PX ttl`). Not one set with one TTL: a whole-set EXPIRE either forgets
 * every id at once or never expires under traffic (idempotency-locks-dedupe.md §6). Per-item keys
 * cost ~113-145 B each (measured there; the 16-character call token adds ~15 B over a "1") and give
 * exact per-id windows; every key is in KEYS, so the script runs under Upstash's per-key locking.
 *
 * Why a token per call instead of "1": the same request can reach Redis twice — the client's own
 * retry after a reply lost on the way back (REDIS_RETRIES), or an EVALSHA that Redis ran although
 * the HTTP answer timed out. With a plain "1" the second run finds the first run's markers and
 * reports never-seen ids as duplicates (reference §8, "self-blocking SET NX"), and the caller drops
 * them for the whole window. A marker holding the caller's token is recognised as its own.
 *
 * Edit a source → update its sha1 (test/lib/redis/scripts.test.ts checks every pin).
 */
import { defineScript } from "../redis/run-script";

/**
 * Marks every KEYS[i] as seen unless it already is. Returns one flag per key, in order:
 * `1` = new (marked now, or already marked by this same call token: a retry of this call), `0` =
 * seen before (its expiry is left as it was: the window counts from first sight). The caller sends
 * each key once (a repeat inside one batch is resolved client-side), so "holds my token" can only
 * mean "an earlier run of this very call".
 */
export const DEDUPE_MARK = defineScript<Array<0 | 1>>({
  name: "dedupe-mark",
  source: `#!lua flags=allow-key-locking
-- dedupe-mark
-- KEYS[1..n]  one marker key per item id (kit:dedupe:{scope}:{id}), each at most once
-- ARGV[1]     how long each new marker lives, in milliseconds
-- ARGV[2]     this call's token (random), stored as the marker's value
-- returns     {flag1, …, flagn}: 1 = new (or marked by this token already), 0 = seen before
local out = {}
for i, key in ipairs(KEYS) do
  local previous = redis.call("SET", key, ARGV[2], "NX", "PX", ARGV[1], "GET")
  if previous == false or previous == ARGV[2] then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`,
  sha1: "d8fe6a2f9462438dec1ebf0d26ea19247808e9f0",
});

/**
 * Deletes the markers that still hold ARGV[1]: gives back what one call marked (its request failed,
 * or processing the ids failed) without touching markers other calls set. Safe to run when the
 * marks never happened (nothing holds the token) and to run twice.
 */
export const DEDUPE_UNMARK = defineScript<number>({
  name: "dedupe-unmark",
  source: `#!lua flags=allow-key-locking
-- dedupe-unmark
-- KEYS[1..n]  marker keys (kit:dedupe:{scope}:{id})
-- ARGV[1]     the token of the call whose markers are removed
-- returns     how many markers held the token (and were deleted)
local removed = 0
for _, key in ipairs(KEYS) do
  if redis.call("GET", key) == ARGV[1] then
    removed = removed + redis.call("DEL", key)
  end
end
return removed
`,
  sha1: "381ba5ce770dd6523d2d331e883a96ec26d08d32",
});

/** Every dedupe script, for lib/redis/script-registry.ts. */
export const DEDUPE_SCRIPTS = [DEDUPE_MARK, DEDUPE_UNMARK] as const;
