/**
 * Starts server-process.ts in a child process (its own event loop, as upstash-local runs in `npm run dev`)
 * and waits for it to serve. Shared by the benchmarks: bench:upstash-local, bench:gate, bench:gate:in-process.
 *
 *   startChild(["upstash-local", token, redisUrl])  upstash-local over that redis-server
 *   startChild(["floor"])                           canned replies, no Redis (the HTTP floor)
 */
import { fork } from "node:child_process";
import type { UpstashLocalStats } from "../../tools/upstash-local/server";

export interface ChildServer {
  url: string;
  /** The child's pid, for CPU accounting (bench/gate/cpu.ts). */
  pid: number | undefined;
  /** Stops the child; returns upstash-local's counters (undefined for the floor server). */
  close(): Promise<UpstashLocalStats | undefined>;
}

export async function startChild(args: string[]): Promise<ChildServer> {
  const child = fork(new URL("./server-process.ts", import.meta.url), args, {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`benchmark server child exited early (code ${code})`)));
    child.on("message", (m: { ready?: boolean; url?: string }) => {
      if (m.ready && m.url) resolve(m.url);
    });
  });
  let closing: Promise<UpstashLocalStats | undefined> | undefined;
  return {
    url,
    pid: child.pid,
    close: () =>
      (closing ??= (async () => {
        if (child.exitCode !== null) return undefined;
        const stats = new Promise<UpstashLocalStats | undefined>((resolve) => {
          child.on("message", (m: { closed?: boolean; stats?: UpstashLocalStats }) => m.closed && resolve(m.stats));
          child.once("exit", () => resolve(undefined));
        });
        child.send("close");
        const result = await stats;
        await exited;
        return result;
      })()),
  };
}
