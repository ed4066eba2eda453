/**
 * The CLI as a user runs it: `upstash-local --spawn` starts a private redis-server with AOF in the data
 * directory, prints a ready line, shuts down cleanly on SIGTERM, and the data survives a restart.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "@upstash/redis";

const ROOT = resolve(import.meta.dirname, "../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

function startCli(args: string[]) {
  const child = spawn(TSX, [join(ROOT, "tools/upstash-local/cli.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const ready = new Promise<{ url: string; redisUrl: string }>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /upstash-local ready url=(\S+) token=\S+ redis=(\S+)/.exec(output);
      if (m) resolveReady({ url: m[1]!, redisUrl: m[2]! });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`cli exited ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, ready, exited, output: () => output };
}

describe("upstash-local CLI", () => {
  it("--spawn serves a private redis-server, stops it on SIGTERM, and keeps data across restarts (AOF)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "upstash-local-cli-"));
    try {
      const first = startCli(["--port", "0", "--spawn", "--data-dir", dataDir, "--token", "cli-test-token"]);
      const { url, redisUrl } = await first.ready;
      expect(redisUrl).not.toContain(":6379");
      const up = await fetch(url);
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ ok: true });

      const redis = new Redis({ url, token: "cli-test-token", retry: { retries: 0 }, enableTelemetry: false });
      await redis.set("survives", "restart");
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      await expect(fetch(url)).rejects.toThrow();

      const second = startCli(["--port", "0", "--spawn", "--data-dir", dataDir, "--token", "cli-test-token"]);
      const again = await second.ready;
      const redis2 = new Redis({ url: again.url, token: "cli-test-token", retry: { retries: 0 }, enableTelemetry: false });
      expect(await redis2.get("survives")).toBe("restart");
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it("rejects a bad flag with a usage error instead of starting", async () => {
    const cli = startCli(["--port", "not-a-number"]);
    cli.ready.catch(() => undefined);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/--port must be/);
  });
});
