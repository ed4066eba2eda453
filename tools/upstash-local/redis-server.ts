/**
 * Starts a private `redis-server` on a free loopback port (tests, `--spawn`, the dev launcher).
 * Node-only; never used by lib/.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, connect } from "node:net";

export interface SpawnedRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

export interface SpawnRedisOptions {
  /** Port to use; default: a free one. */
  port?: number;
  /** Directory for AOF/RDB files; when omitted nothing is persisted (tests). */
  dataDir?: string;
  /** Extra `redis-server` arguments. */
  args?: string[];
}

export class RedisServerMissingError extends Error {
  readonly code = "E_REDIS_SERVER_MISSING";
  constructor() {
    super(
      "redis-server is not on PATH. Install it first: `apt-get install redis-server` (Debian/Ubuntu), " +
        "`brew install redis` (macOS). The tests and `--spawn` start their own private instance on a free port.",
    );
    this.name = "RedisServerMissingError";
  }
}

export function hasRedisServer(): boolean {
  const probe = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

// Children still running when this process exits (a crashed test run, an unhandled error) are killed
// with it, so no orphaned redis-server outlives the run that started it.
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function spawnRedisServer(options: SpawnRedisOptions = {}): Promise<SpawnedRedis> {
  if (!hasRedisServer()) throw new RedisServerMissingError();
  const port = options.port ?? (await freePort());
  const persistence = options.dataDir
    ? (mkdirSync(options.dataDir, { recursive: true }),
      ["--dir", options.dataDir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "60 1"])
    : ["--save", "", "--appendonly", "no"];
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--protected-mode", "yes", "--daemonize", "no", ...persistence, ...(options.args ?? [])],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    if (output.length < 8192) output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    if (output.length < 8192) output += chunk.toString();
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await canConnect(port)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
