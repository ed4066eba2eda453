/**
 * CACHE_LEASE_PASS: gives a fill lease back as a "pass" marker instead of deleting it, when the filler's
 * response could not be stored (an error status, Set-Cookie, no-store, too large…). Varnish's
 * hit-for-pass: while the marker lives, lookups of the entry neither wait for a fill nor take the lease
 * (CACHE_LOOKUP answers leased = 2), so a hot URL whose answers are not storable is served in parallel.
 * Deleting the lease instead let ONE waiter take it over and the others poll on, so such a URL was
 * served one request at a time — during an origin outage, a queue on every instance.
 *
 * Its own file, imported by the route-side CacheBackend only: Next's middleware never passes a lease,
 * so its bundle does not carry the script text (README "Bundle budget").
 */
import { defineScript } from "../redis/run-script";

export const CACHE_LEASE_PASS = defineScript<0 | 1>({
  name: "cache-lease-pass",
  source: `-- cache-lease-pass
-- KEYS[1]  an entry's fill lease
-- ARGV[1]  the lease token the caller holds
-- ARGV[2]  how long the pass marker lives, ms
-- returns  1 when the caller held the lease (now the marker "pass"; no lease token is ever "pass"),
--          0 otherwise (lapsed or taken by another: untouched)
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("SET", KEYS[1], "pass", "PX", ARGV[2])
  return 1
end
return 0
`,
  sha1: "2103fc2ada27cddcd6dbc9eb283d4c50a16a6adf",
});
