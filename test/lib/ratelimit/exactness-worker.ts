/**
 * One "instance" of the exactness test (run with tsx in its own process): its own kit, limiter
 * registry and caches, against the upstash-local URL/token passed in the environment. Waits for the
 * shared start time, fires `requests` (even) checks at one identity in overlapping waves, prints {"allowed": n}.
 * argv: <ip> <limit> <requests> <startAtEpochMs>
 */
import { loadConfig } from "../../../lib/config";
import { createKit } from "../../../lib/kit";
import { checkRateLimit, defineRateLimits } from "../../../lib/ratelimit";

const [ip, limit, requests, startAt] = process.argv.slice(2);
const kit = createKit(loadConfig({ ...process.env, RATE_LIMIT_TIMEOUT_MS: "10000", REDIS_COMMAND_TIMEOUT_MS: "10000" }));
const rl = defineRateLimits({
  countersFlushEvery: "1 h",
  denyList: false,
  policies: { exact: { algorithm: "fixed-window", limit: Number(limit), window: "1 h", identity: "ip" } },
});

await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
// Waves of 2 every 10 ms, none awaited: one process alone would auto-pipeline everything into a single
// HTTP request; waves keep several processes' requests interleaving at the server for a while.
const waves = Array.from({ length: Number(requests) / 2 }, (_, wave) =>
  new Promise((resolve) => setTimeout(resolve, wave * 10)).then(() =>
    Promise.all(
      [0, 1].map(() => checkRateLimit(kit, { identity: { ip: ip!, userId: null }, routeName: "exact", rateLimit: rl.use("exact") })),
    ),
  ),
);
const decisions = (await Promise.all(waves)).flat();
const degraded = decisions.filter((d) => d.degraded).length;
console.log(JSON.stringify({ allowed: decisions.filter((d) => d.success).length, degraded }));
