/**
 * `npm run bench:commands` keeps running and keeps measuring what issue 10 claims: a smoke run with a
 * few requests per cell (no timings asserted). It once went on for hours unnoticed: after the gates'
 * after-hooks became injectable it ran the default cache gate, which stores nothing, so every request
 * waited out a fill lease. The kit's critical path must stay ONE HTTP request per gated request.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

function runBench(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "bench/commands/run.ts"], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", UPSTASH_DISABLE_TELEMETRY: "1", BENCH_N: "5" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: a stuck run is killed whole (npx → tsx → node, its redis-server)
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 45_000);
    child.on("error", reject);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

describe("npm run bench:commands (smoke, BENCH_N=5)", () => {
  it("finishes and prints one HTTP request on the kit's critical path for every gated request", async () => {
    const { code, out } = await runBench();
    expect(code, out.slice(-2000)).toBe(0);
    const kitRows = out.split("\n").filter((line) => /^\|[^|]*\| kit \| gates/.test(line));
    expect(kitRows.length).toBe(7);
    for (const row of kitRows) {
      const cells = row.split("|").map((c) => c.trim());
      const critical = Number(cells[4]);
      // The cached denial costs none; every other gated request exactly one.
      expect(critical, row).toBe(/cached denial/.test(row) ? 0 : 1);
    }
  }, 60_000);
});
