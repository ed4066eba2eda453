/**
 * CPU time per process tree from /proc (Linux), so bench/gate can say whose CPU a request costs:
 * on one machine the Redis side (upstash-local + redis-server) competes with the app for the same
 * cores, which a hosted Upstash would not. Elsewhere every reading is `undefined` (the column says n/a).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch (err) {
    console.warn("getconf CLK_TCK failed; assuming 100 ticks/s:", err);
    return 100;
  }
})();

function descendants(pid: number): number[] {
  const all = [pid];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return all;
  for (const task of readdirSync(tasks)) {
    const file = `${tasks}/${task}/children`;
    if (!existsSync(file)) continue;
    for (const child of readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean)) all.push(...descendants(Number(child)));
  }
  return all;
}

/** User + system CPU of `pid` and its descendants, in ms; undefined without /proc. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  let ticks = 0;
  for (const p of descendants(pid)) {
    const stat = existsSync(`/proc/${p}/stat`) ? readFileSync(`/proc/${p}/stat`, "utf8") : "";
    // Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}
