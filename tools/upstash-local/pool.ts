/**
 * Redis connections behind the REST server (brief item 10, spec §2/§12):
 * - CommandPool: `poolSize` shared connections for `/` and `/pipeline`; each request goes whole to
 *   the least-busy one, so a pipeline is one real RESP pipeline on one connection.
 * - TransactionPool: a few connections lent exclusively to one `/multi-exec` at a time (so nothing
 *   else is ever QUEUED into someone's MULTI — the SRH bug in §12), with a bounded wait queue.
 */
import Redis, { type RedisOptions } from "ioredis";

export type Log = (line: string) => void;

/** How long to wait between reconnect attempts: short, because a local redis restart takes ~100 ms. */
const RECONNECT_DELAY_MS = (attempt: number) => Math.min(50 * attempt, 500);
/** A local redis-server accepts in microseconds; a hung connect should fail well under the client's 5 s budget. */
const CONNECT_TIMEOUT_MS = 2_000;
/**
 * How long a transaction waits for its connection to finish reconnecting once Redis is known to be back
 * (another connection is ready): longer than one reconnect back-off step (≤ 500 ms), so the first
 * `/multi-exec` after a Redis restart succeeds instead of failing on a healthy server.
 */
const RECONNECT_WAIT_MS = 1_000;

export class RedisUnavailableError extends Error {
  constructor(detail: string) {
    super(`upstash-local: Redis unavailable: ${detail}`);
    this.name = "RedisUnavailableError";
  }
}

export function connectionOptions(label: string): RedisOptions {
  return {
    // Fail fast while Redis is down instead of queueing (the REST client has its own retries, §7).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Integers come back as exact digit strings, so replies beyond 2^53 stay exact (§5).
    stringNumbers: true,
    enableAutoPipelining: false,
    autoResubscribe: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: RECONNECT_DELAY_MS,
    connectionName: label,
  };
}

export function createConnection(redisUrl: string, label: string, log: Log): Redis {
  const conn = new Redis(redisUrl, connectionOptions(label));
  // Connection errors repeat on every reconnect attempt: log the first one per outage only.
  let reported = false;
  conn.on("error", (err: Error) => {
    if (!reported) log(`[${label}] redis connection error: ${err.message}`);
    reported = true;
  });
  conn.on("ready", () => {
    if (reported) log(`[${label}] redis connection ready again`);
    reported = false;
  });
  return conn;
}

export async function closeConnection(conn: Redis): Promise<void> {
  if (conn.status === "end") return;
  try {
    if (conn.status === "ready") await conn.quit();
    else conn.disconnect();
  } catch {
    // QUIT fails when the socket died meanwhile; dropping the connection is then all that is left to do.
    conn.disconnect();
  }
}

export class CommandPool {
  readonly connections: Redis[];
  /** Commands in flight per connection: the least-busy pick (§10). */
  private readonly load: number[];

  constructor(redisUrl: string, size: number, log: Log) {
    this.connections = Array.from({ length: size }, (_, i) => createConnection(redisUrl, `upstash-local:${i}`, log));
    this.load = new Array<number>(size).fill(0);
  }

  /** Index of the least-busy ready connection (or of any, so the send fails fast when none is ready). */
  pick(): number {
    let best = -1;
    for (let i = 0; i < this.connections.length; i++) {
      if (this.connections[i]!.status !== "ready") continue;
      if (best === -1 || this.load[i]! < this.load[best]!) best = i;
    }
    return best === -1 ? 0 : best;
  }

  acquire(index: number, commands: number): Redis {
    this.load[index]! += commands;
    return this.connections[index]!;
  }

  release(index: number, commands: number): void {
    this.load[index]! -= commands;
  }

  anyReady(): boolean {
    return this.connections.some((c) => c.status === "ready");
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map(closeConnection));
  }
}

/** Resolves when `conn` is ready or after `ms`, whichever comes first (the send then fails fast if not). */
function readyWithin(conn: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      conn.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    conn.once("ready", done);
  });
}

interface Waiter {
  resolve: (conn: Redis) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class TransactionPool {
  private readonly idle: Redis[];
  private readonly all: Redis[];
  private readonly waiters: Waiter[] = [];

  constructor(
    redisUrl: string,
    size: number,
    log: Log,
    private readonly waitTimeoutMs: number,
  ) {
    this.all = Array.from({ length: size }, (_, i) => createConnection(redisUrl, `upstash-local:tx${i}`, log));
    this.idle = [...this.all];
  }

  /** Each connection's ioredis status ("ready", "reconnecting", …), for /stats and tests. */
  get statuses(): readonly string[] {
    return this.all.map((c) => c.status);
  }

  /**
   * Lends a connection, preferring one that is ready. While Redis is down (`redisReachable()` false)
   * a not-ready connection is handed out at once so the transaction fails fast (§7); once Redis is
   * back, a connection still in its reconnect back-off is awaited (bounded) instead.
   */
  async acquire(redisReachable: () => boolean): Promise<Redis> {
    const conn = await this.lend();
    if (conn.status !== "ready" && redisReachable()) await readyWithin(conn, RECONNECT_WAIT_MS);
    return conn;
  }

  private lend(): Promise<Redis> {
    const ready = this.idle.findIndex((c) => c.status === "ready");
    const conn = ready === -1 ? this.idle.pop() : this.idle.splice(ready, 1)[0];
    if (conn) return Promise.resolve(conn);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at !== -1) this.waiters.splice(at, 1);
          reject(new RedisUnavailableError(`no transaction connection became free within ${this.waitTimeoutMs} ms`));
        }, this.waitTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Called only once EXEC has answered (or failed), so the connection carries no MULTI state. */
  release(conn: Redis): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(conn);
    } else {
      this.idle.push(conn);
    }
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new RedisUnavailableError("server is shutting down"));
    }
    await Promise.all(this.all.map(closeConnection));
  }
}
