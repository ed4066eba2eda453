/**
 * upstash-local: an Upstash-REST-compatible HTTP server over a real redis-server, so the
 * unmodified `@upstash/redis` and `@upstash/ratelimit` clients can run locally and in tests.
 * The protocol is specified in /work/shared/reference/upstash-rest-protocol.md (cited as §n).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createAuthenticator } from "./auth";
import { CommandPool, TransactionPool, type Log } from "./pool";
import { handleRequest, type RouteContext } from "./routes";
import { ScriptShaMap } from "./scripts";
import { createSseRegistry } from "./sse";
import { StatsCounters, type UpstashLocalStats } from "./stats";

export type { UpstashLocalStats } from "./stats";

export interface UpstashLocalOptions {
  /** 0 = a free port. Default 8079. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  token: string;
  /** Optional token limited to read commands (spec §3). */
  readonlyToken?: string;
  redisUrl: string;
  /** Shared connections for `/` and `/pipeline`. Default 4. */
  poolSize?: number;
  /** Default 10 MiB. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface UpstashLocal {
  url: string;
  port: number;
  stats(): UpstashLocalStats;
  close(): Promise<void>;
}

const DEFAULT_PORT = 8079;
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_POOL_SIZE = 4;
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Transactions are rare (ratelimit deny-list refresh, redis.multi()); a few held connections suffice. */
const TRANSACTION_POOL_SIZE = 2;
/** Well under the ratelimit client's 5 s fail-open timeout (§8), so a stuck queue is visible as an error. */
const TRANSACTION_WAIT_MS = 4_000;
/** How long startup waits for Redis before serving anyway (requests then get 500 until it is up). */
const STARTUP_REDIS_WAIT_MS = 3_000;
/** Graceful close waits at most this long for in-flight requests (brief item 13). */
const CLOSE_GRACE_MS = 5_000;
const POLL_MS = 10;

const silent: Log = () => undefined;

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export async function startUpstashLocal(options: UpstashLocalOptions): Promise<UpstashLocal> {
  const log = options.log ?? silent;
  const auth = createAuthenticator(options.token, options.readonlyToken);
  const stats = new StatsCounters();
  const pool = new CommandPool(options.redisUrl, options.poolSize ?? DEFAULT_POOL_SIZE, log);
  const txPool = new TransactionPool(options.redisUrl, TRANSACTION_POOL_SIZE, log, TRANSACTION_WAIT_MS);
  const sse = createSseRegistry(options.redisUrl, log);
  const ctx: RouteContext = {
    pool,
    txPool,
    stats,
    auth,
    scripts: new ScriptShaMap(),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log,
    knownCommands: new Set(pool.connections[0]!.getBuiltinCommands().map((c) => c.toLowerCase())),
    subscribe: (req, res, kind, target) => sse.handle(req, res, kind, target),
  };

  let inFlight = 0;
  const server = createServer({ keepAlive: true }, (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    void handleRequest(ctx, req, res).finally(() => inFlight--);
  });
  // Malformed HTTP must never take the process down (brief item 7).
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (err.code !== "ECONNRESET" && socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  if (!(await waitUntil(() => pool.anyReady(), STARTUP_REDIS_WAIT_MS))) {
    log(`upstash-local: Redis at ${options.redisUrl} is not reachable yet; serving anyway (requests fail with 500 until it is)`);
  }

  const host = options.host ?? DEFAULT_HOST;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? DEFAULT_PORT, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    // e.g. EADDRINUSE: do not leave Redis connections behind.
    await Promise.all([pool.close(), txPool.close()]);
    throw err;
  }
  server.on("error", (err) => log(`upstash-local: server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await sse.closeAll();
    if (!(await waitUntil(() => inFlight === 0, CLOSE_GRACE_MS))) {
      log(`upstash-local: ${inFlight} request(s) still running after ${CLOSE_GRACE_MS} ms; closing anyway`);
    }
    server.closeAllConnections();
    await stopped;
    await Promise.all([pool.close(), txPool.close()]);
  }

  return {
    url: formatUrl(host, port),
    port,
    stats: () => stats.snapshot(),
    close: () => (closing ??= close()),
  };
}
