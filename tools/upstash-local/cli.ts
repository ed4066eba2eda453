/**
 * `npm run upstash-local -- [--port 8079] [--token T] [--redis-url redis://…] [--spawn] …`
 * Prints one `upstash-local ready …` line when serving; SIGINT/SIGTERM close gracefully.
 */
import { parseArgs } from "node:util";
import { DEFAULT_DATA_DIR, randomToken, startUpstashLocalStack } from "./stack";

const DEFAULT_PORT = 8079;
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
const EXIT_USAGE = 2;

const HELP = `upstash-local: an Upstash-REST-compatible HTTP server over a real redis-server

Usage: npm run upstash-local -- [options]

  --port <n>             HTTP port (default ${DEFAULT_PORT}; 0 = a free port)
  --host <addr>          bind address (default 127.0.0.1)
  --token <t>            bearer token (default: env UPSTASH_LOCAL_TOKEN, else a random one, printed)
  --readonly-token <t>   optional token limited to read commands
  --redis-url <url>      Redis to serve (default ${DEFAULT_REDIS_URL}; ignored with --spawn)
  --spawn                start a private redis-server on a free port (AOF on, data in --data-dir)
  --data-dir <dir>       persistence directory for --spawn (default ${DEFAULT_DATA_DIR})
  --pool-size <n>        shared Redis connections (default 4)
  --help                 this text

Then: UPSTASH_REDIS_REST_URL=<url> UPSTASH_REDIS_REST_TOKEN=<token>`;

function positiveInt(name: string, raw: string | undefined, allowZero = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    console.error(`upstash-local: --${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got "${raw}"`);
    process.exit(EXIT_USAGE);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        token: { type: "string" },
        "readonly-token": { type: "string" },
        "redis-url": { type: "string" },
        spawn: { type: "boolean", default: false },
        "data-dir": { type: "string" },
        "pool-size": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`upstash-local: ${(err as Error).message}\n\n${HELP}`);
    process.exit(EXIT_USAGE);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const token = values.token || process.env.UPSTASH_LOCAL_TOKEN || randomToken();
  const stack = await startUpstashLocalStack({
    port: positiveInt("port", values.port, true) ?? DEFAULT_PORT,
    host: values.host,
    token,
    readonlyToken: values["readonly-token"],
    spawn: values.spawn,
    redisUrl: values["redis-url"] ?? DEFAULT_REDIS_URL,
    dataDir: values["data-dir"],
    poolSize: positiveInt("pool-size", values["pool-size"]),
    log: (line) => console.error(line),
  });
  console.log(`upstash-local ready url=${stack.url} token=${stack.token} redis=${stack.redisUrl}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`upstash-local: ${signal} received, closing`);
    stack.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`upstash-local: close failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(`upstash-local: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
