/**
 * Counting HTTP requests per gated request (issue 10): a PRIVATE upstash-local per test file, in
 * front of the shared test redis-server, so no other file's traffic lands in its /stats counters.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { scriptRegistry } from "@/lib/redis/script-registry";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";
import { upstashTarget } from "../../setup/redis";

export interface CountingServer {
  readonly url: string;
  readonly token: string;
  readonly local: UpstashLocal;
  /** `GET /stats` over HTTP with the bearer token (the endpoint the brief names; not itself counted). */
  statsOverHttp(): Promise<{ httpRequests: number; redisCommands: number }>;
  close(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  const token = `gate-${randomBytes(6).toString("hex")}`;
  const local = await startUpstashLocal({ port: 0, token, redisUrl: upstashTarget().redisUrl });
  return {
    url: local.url,
    token,
    local,
    async statsOverHttp() {
      const res = await fetch(`${local.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET /stats answered ${res.status}`);
      const body = (await res.json()) as { httpRequests: number; redisCommands: number };
      return { httpRequests: Number(body.httpRequests), redisCommands: Number(body.redisCommands) };
    },
    close: () => local.close(),
  };
}

/** Collects what a request hands to waitUntil, so a test can count the background requests too. */
export function collector() {
  const pending: Promise<unknown>[] = [];
  return {
    pending,
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    async drain(): Promise<void> {
      while (pending.length > 0) await Promise.allSettled(pending.splice(0));
      // A request issued by the last settled promise reaches the server on a later turn of the loop.
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

export interface Counted<T> {
  value: T;
  /** HTTP requests the server had received when the request's answer was ready (the critical path). */
  critical: number;
  /** Everything the request caused, background work (waitUntil) included. */
  total: number;
  /** Redis commands as upstash-local counts them (a script is one), background included. */
  commands: number;
}

/**
 * Runs one request and counts. `critical` is read synchronously as soon as `run` resolves: a
 * background request issued on the way cannot have been received by the (same-process) server yet.
 */
export async function counted<T>(server: CountingServer, run: (waitUntil: (p: Promise<unknown>) => void) => Promise<T>): Promise<Counted<T>> {
  const bg = collector();
  const before = server.local.stats();
  const value = await run(bg.waitUntil);
  const critical = server.local.stats().httpRequests - before.httpRequests;
  await bg.drain();
  const after = await server.statsOverHttp();
  return { value, critical, total: after.httpRequests - before.httpRequests, commands: after.redisCommands - before.redisCommands };
}

/** SCRIPT LOAD of every kit script, so no measured request pays a first EVALSHA → NOSCRIPT → EVAL. */
export async function loadScripts(redis: Redis): Promise<void> {
  await Promise.all(scriptRegistry.map((script) => redis.scriptLoad(script.source)));
}
