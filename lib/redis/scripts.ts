/**
 * Scripts the foundation ships for every feature to reuse. Each is a named constant whose Lua
 * header documents KEYS/ARGV where they are read (code-style pattern 4); the SHA-1 is pinned and
 * verified by `test/lib/redis/scripts.test.ts`. Edit the source → update the hash.
 */
import { defineScript } from "./run-script";

/**
 * Deletes KEYS[1] only if it still holds ARGV[1]; returns 1 when deleted, else 0.
 * Atomic "release only what I own": lock release (owner token) and idempotency cleanup reuse it,
 * where a GET-then-DEL from the client could delete a record someone else has taken since.
 *
 * @see https://redis.io/docs/latest/develop/use/patterns/distributed-locks/
 */
export const COMPARE_AND_DELETE = defineScript<0 | 1>({
  name: "compare-and-delete",
  source: `-- compare-and-delete
-- KEYS[1]  key to delete
-- ARGV[1]  value the key must hold (e.g. a lock owner token)
-- returns  1 when the key held ARGV[1] and was deleted, 0 otherwise (missing or other value)
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`,
  sha1: "d1836feaa76328441cce26ecace0c13ffbbb2067",
});
