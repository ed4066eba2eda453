/**
 * The lock's atomic steps as pinned Lua (code-style pattern 4). Each starts with Upstash's
 * `allow-key-locking` flag, so a script locks only its own KEYS instead of the whole database
 * (idempotency-locks-dedupe.md §5 failure mode 6); every key it touches is therefore in KEYS.
 *
 * The stored lock value is the lease's owner token: `<32 random hex>` or `<32 random hex>#<holder>`
 * where `<holder>` is an optional human label that contenders may see. The random part is never
 * returned to anyone but its owner, so only the owner can release or extend.
 *
 * Edit a source → update its sha1 (test/lib/redis/scripts.test.ts checks every pin).
 */
import { defineScript } from "../redis/run-script";

/** `[1, fence, leaseMs]` when acquired, `[0, currentFence, remainingMs, holder]` when held. */
export type AcquireReply = [1, number, number] | [0, number, number, string];

/**
 * Acquire: take the lock if free and INCR its fencing counter, in one atomic step on the primary.
 * Idempotent by owner token: when the SDK retries an acquire whose first answer was lost, the lock
 * already holds our token and we get our own fence back instead of self-blocking until the lease
 * ends (reference §8, pitfall 14). Nobody can have acquired in between (the value would differ),
 * so the counter still holds our fence.
 */
export const LOCK_ACQUIRE = defineScript<AcquireReply>({
  name: "lock-acquire",
  source: `#!lua flags=allow-key-locking
-- lock-acquire
-- KEYS[1]  lock key (kit:lock:{name}), holds the owner token, expires after the lease
-- KEYS[2]  fencing counter (kit:lock-fence:{name}), never expires
-- ARGV[1]  owner token ("<random>" or "<random>#<holder label>")
-- ARGV[2]  lease in milliseconds
-- returns  {1, fence, leaseMs} when acquired (or already ours), {0, fence, pttl, holder} when held
local current = redis.call("GET", KEYS[1])
if current == false then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return {1, redis.call("INCR", KEYS[2]), tonumber(ARGV[2])}
end
local fence = tonumber(redis.call("GET", KEYS[2]) or "0") or 0
if current == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return {1, fence, tonumber(ARGV[2])}
end
local sep = string.find(current, "#", 1, true)
local holder = ""
if sep then holder = string.sub(current, sep + 1) end
return {0, fence, redis.call("PTTL", KEYS[1]), holder}
`,
  sha1: "45d99e54aa4c9b5d1c597b0a0a135b2f0737dfc6",
});

/**
 * Release: delete the lock only if it still holds our token. `1` released, `0` the lease had
 * already expired (and maybe someone else holds the lock now): a lost lease, counted.
 */
export const LOCK_RELEASE = defineScript<0 | 1>({
  name: "lock-release",
  source: `#!lua flags=allow-key-locking
-- lock-release
-- KEYS[1]  lock key
-- ARGV[1]  owner token
-- returns  1 when the key held ARGV[1] and was deleted, 0 otherwise
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`,
  sha1: "09ed2031a278371e29a84f1425c598fff125eca9",
});

/**
 * Extend: if the lock still holds our token, its lease ends ARGV[2] ms from now (PEXPIRE: ms
 * precision; @upstash/lock's EXPIRE with fractional seconds fails, anti-pattern 10).
 * Returns the new remaining ms, or 0 when the lease was lost.
 */
export const LOCK_EXTEND = defineScript<number>({
  name: "lock-extend",
  source: `#!lua flags=allow-key-locking
-- lock-extend
-- KEYS[1]  lock key
-- ARGV[1]  owner token
-- ARGV[2]  new remaining lease in milliseconds, counted from now
-- returns  the remaining lease in ms when extended, 0 when the key does not hold ARGV[1]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return redis.call("PTTL", KEYS[1])
end
return 0
`,
  sha1: "15b37ab5b637e178e819a8113cdc40d18a95b8fc",
});
