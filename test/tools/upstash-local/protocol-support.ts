/**
 * Raw-HTTP helpers for the upstash-local protocol tests (protocol-*.test.ts): they look at the
 * wire exactly as the spec describes it, without the client's decoding in between.
 */
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import { spawnRedisServer, type SpawnedRedis } from "../../../tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal, type UpstashLocalOptions } from "../../../tools/upstash-local/server";

export interface Target {
  url: string;
  token: string;
}

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface PostOptions {
  base64?: boolean;
  token?: string | null;
  headers?: Record<string, string>;
  method?: string;
  signal?: AbortSignal;
}

/** POSTs `body` (JSON-encoded unless already a string/Buffer) and parses the JSON answer when there is one. */
export async function post(target: Target, path: string, body: unknown, options: PostOptions = {}): Promise<RawReply> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  const token = options.token === undefined ? target.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.base64) headers["upstash-encoding"] = "base64";
  const payload: BodyInit =
    typeof body === "string" ? body : Buffer.isBuffer(body) ? new Blob([new Uint8Array(body)]) : JSON.stringify(body);
  const res = await fetch(target.url + path, { method: options.method ?? "POST", headers, body: payload, signal: options.signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // not JSON: tests that care assert on `text`
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64");

/** A direct ioredis connection to the redis-server behind upstash-local (assertions that bypass HTTP). */
export function directRedis(redisUrl: string): IORedis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface OwnStack extends Target {
  redis: SpawnedRedis;
  server: UpstashLocal;
  redisUrl: string;
  close(): Promise<void>;
}

/** A private redis-server + upstash-local, for tests that stop Redis, flush scripts or count requests. */
export async function startOwnStack(options: Partial<UpstashLocalOptions> = {}): Promise<OwnStack> {
  const redis = await spawnRedisServer();
  const token = `own-${randomBytes(8).toString("hex")}`;
  const server = await startUpstashLocal({ port: 0, token, redisUrl: redis.url, ...options });
  const stack: OwnStack = {
    url: server.url,
    token,
    redis,
    server,
    redisUrl: redis.url,
    async close() {
      await server.close();
      // `stack.redis`, not the first one: a restart test replaces it with a new redis-server.
      await stack.redis.stop();
      if (stack.redis !== redis) await redis.stop();
    },
  };
  return stack;
}
