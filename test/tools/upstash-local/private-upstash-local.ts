/**
 * A private upstash-local for the few client tests that need one of their own:
 * - exact request accounting (`stats()` of the shared server also counts the other test files' requests);
 * - SCRIPT FLUSH (it would empty the shared redis-server's script cache under every other file).
 *
 * `ownRedis: true` also spawns a private redis-server; otherwise it fronts the shared test redis-server.
 */
import { randomBytes } from "node:crypto";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { spawnRedisServer, type SpawnedRedis } from "../../../tools/upstash-local/redis-server";
import { startUpstashLocal } from "../../../tools/upstash-local/server";
import { upstashTarget } from "../../setup/redis";

type UpstashLocal = Awaited<ReturnType<typeof startUpstashLocal>>;

export interface PrivateUpstashLocal {
  readonly url: string;
  readonly token: string;
  readonly redisUrl: string;
  /** Authorized HTTP requests this instance has served so far (in-process `stats()`, no request of its own). */
  httpRequests(): Promise<number>;
  /** HTTP requests and Redis commands this instance has served so far (in-process `stats()`). */
  counts(): Promise<{ httpRequests: number; redisCommands: number }>;
  /** The same counter read over HTTP: `GET /stats` with the bearer token (not itself counted). */
  httpRequestsOverHttp(): Promise<number>;
  /** The real client against this instance, retries off, telemetry off. */
  client(overrides?: Partial<RedisConfigNodejs>): Redis;
  close(): Promise<void>;
}

export async function startPrivateUpstashLocal(options: { ownRedis?: boolean } = {}): Promise<PrivateUpstashLocal> {
  let redis: SpawnedRedis | undefined;
  let redisUrl = upstashTarget().redisUrl;
  if (options.ownRedis) {
    redis = await spawnRedisServer();
    redisUrl = redis.url;
  }
  const token = `private-${randomBytes(8).toString("hex")}`;
  let server: UpstashLocal;
  try {
    server = await startUpstashLocal({ port: 0, token, redisUrl });
  } catch (error) {
    await redis?.stop();
    throw error;
  }
  return {
    url: server.url,
    token,
    redisUrl,
    async httpRequests() {
      const stats = await server.stats();
      return Number(stats.httpRequests);
    },
    async counts() {
      const { httpRequests, redisCommands } = await server.stats();
      return { httpRequests: Number(httpRequests), redisCommands: Number(redisCommands) };
    },
    async httpRequestsOverHttp() {
      const res = await fetch(`${server.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET /stats answered ${res.status}`);
      const body = (await res.json()) as { httpRequests: unknown };
      return Number(body.httpRequests);
    },
    client(overrides = {}) {
      return new Redis({ url: server.url, token, retry: { retries: 0 }, enableTelemetry: false, ...overrides });
    },
    async close() {
      await server.close();
      await redis?.stop();
    },
  };
}
