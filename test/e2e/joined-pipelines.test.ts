/**
 * Joined pipelines (REDIS_COALESCE_IN_FLIGHT) where I/O belongs to a request: on workerd a fetch is
 * bound to the request that started it and is cancelled when that request ends. A joined request
 * carries other requests' commands, so it must be sent from a request that waits for it (one of its
 * own callers), never from whichever request happened to free the slot. Many concurrent cached reads
 * with joining past 1 in flight: every answer must be a clean HIT (no degraded header), and fewer
 * HTTP requests than gated requests must have reached Redis. The same load on Node for comparison.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { e2ePrefix, startNodeServer, startWorkerd, type RunningServer } from "./support/servers";
import { readWranglerToml } from "./support/wrangler-toml";

const REQUESTS = 240;
const CONCURRENCY = 24;
const env = { REDIS_COALESCE_IN_FLIGHT: "1" };

const servers: Partial<Record<"workerd" | "node", RunningServer>> = {};
beforeAll(async () => {
  const [workerd, node] = await Promise.all([
    startWorkerd({ prefix: e2ePrefix("joined-w"), settings: readWranglerToml(), env }),
    startNodeServer({ prefix: e2ePrefix("joined-n"), env }),
  ]);
  Object.assign(servers, { workerd, node });
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

async function upstashRequests(): Promise<number> {
  const { url, token } = inject("upstash");
  const res = await fetch(`${url}/stats`, { headers: { authorization: `Bearer ${token}` } });
  return Number(((await res.json()) as { httpRequests: number }).httpRequests);
}

describe.each([
  ["workerd", "cf-connecting-ip"],
  ["node", "x-forwarded-for"],
] as const)("%s, joining past 1 request in flight", (name, addressHeader) => {
  it(`${REQUESTS} concurrent cached reads: all clean HITs, fewer HTTP requests to Redis than reads`, async () => {
    const server = servers[name]!;
    const url = `${server.url}/api/edge/items/joined-${Date.now()}`;
    let n = 0;
    const get = () => fetch(url, { headers: { [addressHeader]: `10.77.${Math.floor(++n / 250)}.${(n % 250) + 1}` } });
    for (let i = 0; i < 20; i++) {
      const warm = await get();
      await warm.arrayBuffer();
      if (warm.headers.get("x-cache") === "HIT") break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const before = await upstashRequests();
    const problems: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < REQUESTS) {
          const res = await get();
          await res.arrayBuffer();
          const degraded = ["x-ratelimit-degraded", "x-cache-degraded"].filter((h) => res.headers.has(h));
          if (res.status !== 200 || res.headers.get("x-cache") !== "HIT" || !res.headers.get("ratelimit") || degraded.length > 0) {
            problems.push(`${res.status} x-cache=${res.headers.get("x-cache")} ratelimit=${res.headers.get("ratelimit")} ${degraded.join(",")}`);
          }
        }
      }),
    );
    const sent = (await upstashRequests()) - before;
    if (problems.length > 0) console.error(`${name}: ${problems.length} bad answers, e.g.\n${problems.slice(0, 5).join("\n")}\n${server.output().slice(-2000)}`);
    expect(problems).toEqual([]);
    console.log(`[e2e] ${name}: ${REQUESTS} gated reads → ${sent} HTTP requests to Redis`);
    // workerd warns when a promise is settled from another request's context that has ended.
    expect(server.output()).not.toMatch(/different request context|Cannot perform I\/O on behalf of a different request/);
    expect(sent).toBeLessThan(REQUESTS);
  });
});
