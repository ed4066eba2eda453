/**
 * One "instance" for the stampede test: its own kit (own client, own in-process single-flight map)
 * against the shared upstash-local. Prints "ready", waits for "go" on stdin (the parent's barrier),
 * then fires CONCURRENCY getOrSet calls for one key. The loader INCRs a Redis counter, so the parent counts loader calls across
 * every process. Prints one JSON line: the values it got.
 * argv: <key> <concurrency> <mode: miss|stale>
 * env:  UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, EDGE_KIT_KEY_PREFIX
 */
import { loadConfig } from "../../../lib/config";
import type { GetOrSetOptions } from "../../../lib/cache";
import { createKit } from "../../../lib/kit";

const [key, concurrency, mode] = process.argv.slice(2);
const kit = createKit(loadConfig({ ...process.env, NODE_ENV: "test" }));
const cache = kit.cache.withNamespace("stampede");
const counter = kit.keys.counter(`stampede-loads-${key}`);
const background: Promise<unknown>[] = [];

async function loader(): Promise<{ load: number; by: number }> {
  const load = await kit.redis!.incr(counter);
  await new Promise((r) => setTimeout(r, 300)); // a slow origin: the window in which stampedes happen
  return { load, by: process.pid };
}

const options: GetOrSetOptions = mode === "stale" ? { ttl: "1 s", staleWhileRevalidate: "1 m", waitUntil: (p: Promise<unknown>) => void background.push(p) } : { ttl: "1 m" };

process.stdout.write("ready\n");
await new Promise<void>((resolve) => {
  process.stdin.on("data", (chunk: Buffer) => chunk.toString().includes("go") && resolve());
  process.stdin.on("end", () => resolve());
});
// Distinct callers, not one shared promise: each call below is a separate request in a real server.
const values = await Promise.all(Array.from({ length: Number(concurrency) }, () => cache.getOrSet(key!, loader, options)));
await Promise.all(background);
process.stdout.write(`${JSON.stringify(values)}\n`);
