/**
 * A real Kit for tests: real config parsing, the real @upstash/redis client against the shared
 * upstash-local, and a key prefix unique to the calling file.
 */
import { loadConfig } from "../../lib/config";
import { createKit, type Kit, type KitDeps } from "../../lib/kit";
import { uniquePrefix, upstashTarget } from "./redis";

export interface TestKitOptions {
  /** Extra/overriding env vars, e.g. { RATE_LIMIT_FAIL_POLICY: "closed" }. */
  env?: Record<string, string | undefined>;
  /** Point the kit at another upstash-local (e.g. a private one whose redis-server a test stops). */
  url?: string;
  token?: string;
  /** No Redis at all: the kit runs in memory mode. */
  memory?: boolean;
  deps?: KitDeps;
}

export function createTestKit(options: TestKitOptions = {}): Kit {
  const target = upstashTarget();
  const env: Record<string, string | undefined> = {
    NODE_ENV: "test",
    EDGE_KIT_KEY_PREFIX: uniquePrefix("t").slice(0, -1).replace(":", "-"),
    ...(options.memory
      ? {}
      : { UPSTASH_REDIS_REST_URL: options.url ?? target.url, UPSTASH_REDIS_REST_TOKEN: options.token ?? target.token }),
    ...options.env,
  };
  return createKit(loadConfig(env), options.deps);
}
