/**
 * Per-file access to the shared test Redis: the real @upstash/redis client against upstash-local,
 * and a key prefix unique to the calling file so files never see each other's keys.
 */
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { inject } from "vitest";
import { randomBytes } from "node:crypto";

export function upstashTarget() {
  return inject("upstash");
}

/** A prefix unique to this test file (and process), e.g. `t:3f9a1c:`. */
export function uniquePrefix(label = "t"): string {
  return `${label}:${randomBytes(4).toString("hex")}:`;
}

export interface TestRedisOptions {
  url?: string;
  token?: string;
  /** Upstash client options to override (e.g. enableAutoPipelining). */
  overrides?: Partial<RedisConfigNodejs>;
}

/** The real client with retries off, so failing tests fail fast. */
export function testRedis(options: TestRedisOptions = {}): Redis {
  const target = upstashTarget();
  return new Redis({
    url: options.url ?? target.url,
    token: options.token ?? target.token,
    retry: { retries: 0 },
    enableTelemetry: false,
    ...options.overrides,
  });
}
