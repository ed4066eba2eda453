/**
 * redis-server (optional, private, on a free port) + upstash-local in one call: what the CLI's
 * `--spawn` and the dev launcher need.
 */
import { randomBytes } from "node:crypto";
import { spawnRedisServer, type SpawnedRedis } from "./redis-server";
import { startUpstashLocal, type UpstashLocal } from "./server";

export interface UpstashLocalStackOptions {
  /** HTTP port; default 8079, 0 = free port. */
  port?: number;
  host?: string;
  /** Default: env UPSTASH_LOCAL_TOKEN, else a random one (returned). */
  token?: string;
  readonlyToken?: string;
  /** true: start a private redis-server; false: use `redisUrl`. */
  spawn: boolean;
  /** Required when `spawn` is false. */
  redisUrl?: string;
  /** Persistence directory for the spawned redis-server (AOF on); default `.data/redis`. */
  dataDir?: string;
  poolSize?: number;
  log?: (line: string) => void;
}

export interface UpstashLocalStack {
  url: string;
  token: string;
  redisUrl: string;
  server: UpstashLocal;
  /** Stops upstash-local, then the spawned redis-server (if any). */
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = ".data/redis";

export function randomToken(): string {
  return `local-${randomBytes(16).toString("hex")}`;
}

export async function startUpstashLocalStack(options: UpstashLocalStackOptions): Promise<UpstashLocalStack> {
  const token = options.token || process.env.UPSTASH_LOCAL_TOKEN || randomToken();
  let redis: SpawnedRedis | undefined;
  let redisUrl = options.redisUrl;
  if (options.spawn) {
    redis = await spawnRedisServer({ dataDir: options.dataDir ?? DEFAULT_DATA_DIR });
    redisUrl = redis.url;
  }
  if (!redisUrl) throw new Error("startUpstashLocalStack: pass spawn: true or a redisUrl");
  let server: UpstashLocal;
  try {
    server = await startUpstashLocal({
      port: options.port,
      host: options.host,
      token,
      readonlyToken: options.readonlyToken,
      redisUrl,
      poolSize: options.poolSize,
      log: options.log,
    });
  } catch (err) {
    await redis?.stop();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    token,
    redisUrl,
    server,
    close: () =>
      (closing ??= (async () => {
        await server.close();
        await redis?.stop();
      })()),
  };
}
