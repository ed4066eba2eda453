/**
 * The real @upstash/redis client configurations the client tests run under.
 *
 * `clientModes`: the two ways the client reaches upstash-local: auto-pipelining (the default since 1.33: almost
 * every call becomes `POST /pipeline`) and one `POST /` per command. Data-type tests run under both.
 */
import type { Redis, RedisConfigNodejs } from "@upstash/redis";
import { testRedis } from "../../setup/redis";

export type ClientOverrides = Partial<RedisConfigNodejs>;

export const clientModes: { mode: string; overrides: ClientOverrides }[] = [
  { mode: "auto-pipelined (default)", overrides: {} },
  { mode: "one request per command (enableAutoPipelining: false)", overrides: { enableAutoPipelining: false } },
];

type TestRedisOverrides = NonNullable<Parameters<typeof testRedis>[0]>["overrides"];

/**
 * `testRedis()` (retries off, telemetry off, the shared upstash-local) with typed client options.
 * (`TestRedisOptions.overrides` is typed from `ConstructorParameters<typeof Redis>[0]`, which TypeScript takes
 * from the constructor's last overload, the custom `Requester` one; the runtime spread is the same.)
 */
export function realRedis(overrides: ClientOverrides = {}): Redis {
  return testRedis({ overrides: overrides as unknown as TestRedisOverrides });
}
