/**
 * A closed-loop HTTP load generator for bench/gate: `concurrency` workers, each sending its next
 * request as soon as the previous answered, for `seconds`; keep-alive sockets (node:http Agent),
 * so connection setup is not measured. Reports throughput and latency percentiles; never asserts.
 */
import { Agent, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";

export interface Shot {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Whether the answer is the one this scenario expects (status, cache header…). */
  ok(status: number, headers: Record<string, string | string[] | undefined>): boolean;
}

export interface LoadResult {
  requests: number;
  unexpected: number;
  rps: number;
  p50: number;
  p99: number;
  /** One example of an unexpected answer, for the report. */
  example?: string;
}

export async function runLoad(origin: string, next: (i: number) => Shot, options: { seconds: number; concurrency: number }): Promise<LoadResult> {
  const url = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let unexpected = 0;
  let example: string | undefined;
  let counter = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const one = (shot: Shot) =>
    new Promise<void>((resolve, reject) => {
      const t = performance.now();
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: shot.path, method: shot.method, headers: shot.headers, agent },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - t);
            if (!shot.ok(res.statusCode ?? 0, res.headers)) {
              unexpected++;
              example ??= `${shot.method} ${shot.path} → ${res.statusCode} x-cache=${String(res.headers["x-cache"] ?? "")}`;
            }
            resolve();
          });
        },
      );
      req.on("error", reject);
      req.end(shot.body);
    });

  const worker = async () => {
    while (performance.now() < deadline) await one(next(counter++));
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { requests: latencies.length, unexpected, rps: latencies.length / elapsed, p50: pick(0.5), p99: pick(0.99), ...(example ? { example } : {}) };
}
