/**
 * The rate-limit feature's own Lua (the algorithms themselves are @upstash/ratelimit's). Pinned SHA-1s
 * are checked against SCRIPT LOAD by test/lib/redis/scripts.test.ts via lib/redis/script-registry.ts.
 */
import { defineScript } from "../redis/run-script";

/** Reads the shared deny list as EVALSHA (see the header comment in the Lua for why not SMEMBERS). */
export const DENY_LIST_READ = defineScript<string[]>({
  name: "ratelimit-deny-list-read",
  source: `-- ratelimit-deny-list-read
-- KEYS[1]  the shared deny list (a set of SHA-256 identity hashes)
-- returns  every member
-- A script rather than SMEMBERS because @upstash/redis auto-pipelines read commands (SMEMBERS, GET)
-- and write commands (EVALSHA) into two separate HTTP requests; as EVALSHA this read rides in the
-- same request as the rate-limit scripts.
return redis.call("SMEMBERS", KEYS[1])
`,
  sha1: "a4cd911d0dffb545bb5b36d694f5559f7be7390a",
});

export const RATE_LIMIT_SCRIPTS = [DENY_LIST_READ] as const;
