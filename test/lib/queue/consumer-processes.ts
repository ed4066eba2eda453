/** Spawns `consumer-process.ts` as real OS processes (node --import tsx) and reads their event lines. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { upstashTarget } from "../../setup/redis";

const SCRIPT = fileURLToPath(new URL("./consumer-process.ts", import.meta.url));

export interface ConsumerEvent {
  event: "started" | "batch";
  jobId?: string;
  attempt?: number;
  fetched?: number;
}

export interface SpawnedConsumer {
  child: ChildProcess;
  events: ConsumerEvent[];
  /** Resolves at the first event matching `predicate` (rejects if the process exits first). */
  waitFor(predicate: (e: ConsumerEvent) => boolean, timeoutMs?: number): Promise<ConsumerEvent>;
  kill(): Promise<void>;
}

export function spawnConsumer(env: Record<string, string>): SpawnedConsumer {
  const target = upstashTarget();
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, UPSTASH_REDIS_REST_URL: target.url, UPSTASH_REDIS_REST_TOKEN: target.token, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: ConsumerEvent[] = [];
  const listeners = new Set<() => void>();
  let buffered = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) if (line.startsWith("{")) events.push(JSON.parse(line) as ConsumerEvent);
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return {
    child,
    events,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(predicate);
          if (hit) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => reject(new Error(`consumer event not seen in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        listeners.add(check);
        void exited.then(() => reject(new Error(`consumer exited (code ${child.exitCode}); stderr: ${stderr}`)));
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
