/**
 * "Seen before?" for a batch of ids in one atomic step: one marker key per id, each with its own
 * expiry (`SET key 1 NX PX ttl`). Not one set with one TTL: a whole-set EXPIRE either forgets every
 * id at once or never expires under traffic (idempotency-locks-dedupe.md §6). Per-item keys cost
 * ~113-145 B each (measured there) and give exact per-id windows; every key is in KEYS, so the
 * script runs under Upstash's per-key locking.
 *
 * Edit the source → update its sha1 (test/lib/redis/scripts.test.ts checks every pin).
 */
import { defineScript } from "../redis/run-script";

/**
 * Marks every KEYS[i] as seen unless it already is. Returns one flag per key, in order:
 * `1` = new (marked now), `0` = already seen (its expiry is left as it was: the window counts from
 * first sight). A key repeated in the same batch is new once, then seen.
 */
export const DEDUPE_MARK = defineScript<Array<0 | 1>>({
  name: "dedupe-mark",
  source: `#!lua flags=allow-key-locking
-- dedupe-mark
-- KEYS[1..n]  one marker key per item id (kit:dedupe:{scope}:{id})
-- ARGV[1]     how long each new marker lives, in milliseconds
-- returns     {flag1, …, flagn}: 1 = new (marked now), 0 = seen before
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call("SET", key, "1", "NX", "PX", ARGV[1]) then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`,
  sha1: "fd05b40bd5f364ac0a0021d4f77755dca08642a6",
});
