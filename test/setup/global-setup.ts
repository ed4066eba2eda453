/**
 * vitest global setup: one private redis-server on a free port and one upstash-local in front of it,
 * shared by every test file. Tests never touch a Redis they did not start (6379 included).
 */
import type { TestProject } from "vitest/node";
import { randomBytes } from "node:crypto";
import { hasRedisServer, RedisServerMissingError, spawnRedisServer } from "../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../tools/upstash-local/server";

export interface UpstashTestTarget {
  /** Base URL of upstash-local (http://127.0.0.1:<port>). */
  url: string;
  /** Bearer token upstash-local accepts. */
  token: string;
  /** redis:// URL of the private redis-server behind it (for assertions that must bypass HTTP). */
  redisUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    upstash: UpstashTestTarget;
  }
}

export default async function setup(project: TestProject) {
  if (!hasRedisServer()) throw new RedisServerMissingError();
  const redis = await spawnRedisServer();
  const token = `test-${randomBytes(12).toString("hex")}`;
  const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url });
  project.provide("upstash", { url: server.url, token, redisUrl: redis.url });
  return async () => {
    await server.close();
    await redis.stop();
  };
}
