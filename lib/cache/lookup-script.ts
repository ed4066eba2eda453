/**
 * CACHE_LOOKUP: the gate's read (issue 10). CACHE_READ's hit/stale/miss decision plus, in the same
 * command, the fill lease a miss needs — so a cached read costs ONE HTTP request whatever the outcome
 * (before: the read, then SET NX + the version-key script in a second request).
 *
 * - A fresh hit writes nothing: no lease is taken speculatively (so it never has to give one back),
 *   and the hit/stale/miss stats are counted by the caller in the isolate and flushed with a later
 *   round trip (lib/gate/deferred-counts.ts) instead of an HINCRBY in every read.
 * - Anything else (stale, miss, expired, invalidated) takes the lease if nobody holds it, and creates
 *   the version keys that are still missing, so the route's value is stamped with versions captured
 *   BEFORE it loaded (the same guarantee as `fill.acquire`; cache-and-queue.md §C idea 2).
 * - A request carrying a fill ticket proves it was sent by the lease holder (a background
 *   revalidation) by the token matching the lease: `proven`, nothing else is read.
 *
 * Same single-shard note as CACHE_READ: tag keys named inside a stored envelope but not passed in
 * KEYS are read with GET from within the script.
 */
import { defineScript } from "../redis/run-script";
import { ENTRY_DECISION_LUA } from "./entry-decision-lua";

/** [outcome, envelope JSON or false, leased 0/1, namespace token or false, caller tag tokens or false…] */
export type CacheLookupReply = [string, unknown, number, ...unknown[]];

export const CACHE_LOOKUP = defineScript<CacheLookupReply>({
  name: "cache-lookup",
  source: `-- cache-lookup
-- KEYS[1]   cache entry (envelope JSON)
-- KEYS[2]   the entry's fill lease
-- KEYS[3]   namespace version key
-- KEYS[4..] tag version keys the caller reads or will write with
-- ARGV[1]   now, epoch ms (the writer's clock stamped the envelope)
-- ARGV[2]   proof: a lease token the caller says it holds (a revalidation it sent itself); "" = none
-- ARGV[3]   lease token to take unless the entry is a fresh hit; "" = take none
-- ARGV[4]   lease, ms
-- ARGV[5]   version key TTL, seconds
-- ARGV[6..] one new token per version key (KEYS[3..]), set only if that key is missing and the lease was taken
-- returns   { outcome, envelope|false, leased, namespace token|false, tag tokens|false ... }
--           outcome: proven | hit | stale | miss | expired | invalid | corrupt (envelope only for hit/stale)
--           leased: 1 the lease is the caller's (taken now, or proven), 0 not (held by another, or not asked),
--                   2 pass: the last fill of this entry was not storable (lease-pass-script.ts): go to the
--                   origin without waiting, store nothing, until the marker lapses
-- A fresh hit writes nothing (the caller counts stats outside, batched).
if ARGV[2] ~= "" and redis.call("GET", KEYS[2]) == ARGV[2] then
  return { "proven", false, 1 }
end
local now = tonumber(ARGV[1])
-- One MGET for the entry and every version key (one command instead of one GET each).
local names = { KEYS[1] }
for i = 3, #KEYS do names[#names + 1] = KEYS[i] end
local values = redis.call("MGET", unpack(names))
local raw = values[1]
local known = {}
local versions = {}
for i = 3, #KEYS do
  local token = values[i - 1]
  known[KEYS[i]] = token
  versions[#versions + 1] = token
end
${ENTRY_DECISION_LUA}local body = false
if outcome == "hit" or outcome == "stale" then body = raw end
local leased = 0
if outcome ~= "hit" and ARGV[3] ~= "" then
  if redis.call("SET", KEYS[2], ARGV[3], "NX", "PX", ARGV[4]) then
    leased = 1
    for i = 1, #versions do
      if not versions[i] then
        versions[i] = ARGV[5 + i]
        redis.call("SET", KEYS[2 + i], versions[i], "EX", ARGV[5])
      end
    end
  elseif redis.call("GET", KEYS[2]) == "pass" then
    leased = 2
  end
end
return { outcome, body, leased, unpack(versions) }
`,
  sha1: "b39226c8c19d987b95aab36cf53a11379b358239",
});
