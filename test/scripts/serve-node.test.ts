/**
 * scripts/serve-node.ts in production: the Hono app serves no metrics or cron endpoints, so it must
 * start without METRICS_TOKEN / CRON_SECRET (which the Next app requires), and still answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { upstashTarget } from "../setup/redis";

const ROOT = path.resolve(import.meta.dirname, "../..");

it("starts in production without the metrics and cron secrets, and serves the app", async () => {
  const { url, token } = upstashTarget();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    UPSTASH_REDIS_REST_URL: url,
    UPSTASH_REDIS_REST_TOKEN: token,
    UPSTASH_DISABLE_TELEMETRY: "1",
    EDGE_KIT_KEY_PREFIX: "serve-node-test",
    TRUST_PROXY: "true",
    PORT: "0",
    HOST: "127.0.0.1",
  };
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/serve-node.ts")], { cwd: ROOT, env });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  try {
    const deadline = Date.now() + 30_000;
    let origin: string | undefined;
    while (!origin && child.exitCode === null && Date.now() < deadline) {
      origin = /^listening (http:\/\/\S+)$/m.exec(output)?.[1];
      if (!origin) await new Promise((r) => setTimeout(r, 100));
    }
    expect(origin, output).toBeDefined();
    const res = await fetch(`${origin}/api/edge/items/serve-node-1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "serve-node-1" });
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(undefined)));
  }
}, 40_000);
