/**
 * One contract (support/contract.ts), every way the kit is served, identical answers:
 *   next-api   `next start` — /api/* route handlers gated by middleware.ts (edge runtime)
 *   next-hono  `next start` — /api/edge/* (the Hono app mounted in Next)
 *   workerd    the Hono app on Cloudflare's workerd (miniflare; edge/worker.ts bundled like wrangler,
 *              wrangler.toml's compatibility settings and [vars])
 *   node       the Hono app on Node through @hono/node-server (scripts/serve-node.ts)
 * Each target must pass every assertion of the table, and the normalised transcripts (statuses,
 * headers, bodies) must be equal; only ids, times and the base path are normalised (contract.ts).
 * Plus the Node-runtime routes that only Next serves: /healthz, /api/health, metrics, the cron consumer.
 */
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { CONTRACT, runContract, type Target, type Transcript } from "./support/contract";
import { e2ePrefix, startNext, startNodeServer, startWorkerd, type RunningServer } from "./support/servers";
import { readWranglerToml } from "./support/wrangler-toml";

const servers: Partial<Record<"next" | "workerd" | "node", RunningServer>> = {};
const transcripts: Record<string, Transcript> = {};

beforeAll(async () => {
  const wrangler = readWranglerToml();
  const [next, workerd, node] = await Promise.all([
    startNext({ prefix: e2ePrefix("next") }),
    startWorkerd({ prefix: e2ePrefix("workerd"), settings: wrangler }),
    startNodeServer({ prefix: e2ePrefix("node") }),
  ]);
  Object.assign(servers, { next, workerd, node });
}, 120_000);

/** On a failure, the servers' own logs (a 500's stack trace is only there). */
function dumpServerLogs(): void {
  for (const [name, server] of Object.entries(servers)) console.error(`--- ${name} server output (tail) ---\n${server?.output().slice(-3000)}`);
}

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

const targets = (): Target[] => [
  { name: "next-api", origin: servers.next!.url, base: "/api", clientAddressHeader: "x-forwarded-for", hono: false },
  { name: "next-hono", origin: servers.next!.url, base: "/api/edge", clientAddressHeader: "x-forwarded-for", hono: true },
  { name: "workerd", origin: servers.workerd!.url, base: "/api/edge", clientAddressHeader: "cf-connecting-ip", hono: true },
  { name: "node", origin: servers.node!.url, base: "/api/edge", clientAddressHeader: "x-forwarded-for", hono: true },
];

describe("the §3 contract on every runtime", () => {
  for (const name of ["next-api", "next-hono", "workerd", "node"]) {
    it(`${name} answers every case as specified`, async () => {
      onTestFailed(dumpServerLogs);
      const target = targets().find((t) => t.name === name)!;
      transcripts[name] = await runContract(target);
      // Every case ran (Hono-only cases only where the Hono app serves them).
      expect(Object.keys(transcripts[name]!).length).toBe(
        CONTRACT.filter((c) => target.hono || !c.hono).reduce((n, c) => n + c.steps({ target, uid: "", ip: "", vars: {} }).length, 0),
      );
    }, 60_000);
  }

  it("all four give the same statuses, headers and bodies for the same requests", () => {
    const [reference, ...others] = ["next-api", "next-hono", "workerd", "node"];
    expect(transcripts[reference!], "the reference run did not complete").toBeDefined();
    const shared = Object.keys(transcripts[reference!]!);
    for (const name of others) {
      const transcript = transcripts[name];
      expect(transcript, `${name} did not complete`).toBeDefined();
      const comparable = Object.fromEntries(shared.map((k) => [k, transcript![k]]));
      expect(comparable, `${name} vs ${reference}`).toEqual(transcripts[reference!]);
    }
    // The Hono-only cases agree across the three Hono hosts.
    const honoOnly = (t: Transcript) => Object.fromEntries(Object.entries(t).filter(([k]) => !shared.includes(k)));
    expect(Object.keys(honoOnly(transcripts["next-hono"]!)).length).toBeGreaterThan(0);
    expect(honoOnly(transcripts.workerd!)).toEqual(honoOnly(transcripts["next-hono"]!));
    expect(honoOnly(transcripts.node!)).toEqual(honoOnly(transcripts["next-hono"]!));
  });
});

describe("Node-runtime routes (Next only)", () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${servers.next!.url}${path}`, { headers });

  it("GET /healthz: application/health+json, pass, Redis checked", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/health+json");
    const body = (await res.json()) as { status: string; checks: Record<string, unknown> };
    expect(body.status).toBe("pass");
    expect(Object.keys(body.checks)).toContain("redis:responseTime");
    expect((await get("/healthz/live")).status).toBe(200);
  });

  it("GET /api/health: the frontend proxy exposes the status only", async () => {
    const res = await get("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "pass" });
  });

  it("GET /api/admin/redis/metrics: 401 without or with a wrong token, 200 JSON or Prometheus text with it", async () => {
    const { metricsToken } = inject("e2eBuild");
    const refused: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-0123456789abcdef" }, { authorization: metricsToken }];
    for (const headers of refused) {
      const res = await get("/api/admin/redis/metrics", headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.text()).not.toContain(metricsToken);
    }
    const json = await get("/api/admin/redis/metrics", { authorization: `Bearer ${metricsToken}` });
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await get("/api/admin/redis/metrics", { authorization: `Bearer ${metricsToken}`, accept: "text/plain" });
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await text.text()).toMatch(/^# (HELP|TYPE) /m);
  });

  it("a %-encoded spelling of a path is gated as the decoded path, whether or not Next routes it there", async () => {
    // middleware.ts matches the decoded path (lib/policy decodePath), as Hono does: the raw spelling is the
    // client's choice. next start 16 answers 404 for an encoded static segment (measured here) and routes an
    // encoded dynamic one with the param decoded; a platform router that decoded more would still find the gates.
    const order = (path: string) =>
      fetch(`${servers.next!.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `encoded-${path.length}-${Date.now()}`, "x-forwarded-for": "198.51.100.77" },
        body: '{"item_id":"sku-1","quantity":1}',
      });
    for (const spelling of ["/api/%6Frders", "/%61pi/orders", "/api%2Forders"]) {
      const res = await order(spelling);
      expect([spelling, res.status, res.headers.get("ratelimit-policy")]).toEqual([spelling, 404, '"api";q=100;w=60, "orders";q=10;w=60']);
    }
    const id = `enc${Date.now().toString(36)}`;
    const item = await fetch(`${servers.next!.url}/api/items/%${id.charCodeAt(0).toString(16)}${id.slice(1)}`, { headers: { "x-forwarded-for": "198.51.100.78" } });
    expect([item.status, item.headers.get("x-cache")]).toEqual([200, "MISS"]);
    expect(await item.json()).toMatchObject({ id });
  });

  it("benchmark fixtures answer 404 without EDGE_KIT_BENCH=1: no deployment exposes their ungated Redis calls", async () => {
    const fixtures: Array<[method: string, path: string]> = [
      ["GET", "/bench/plain"],
      ["GET", "/bench/one-fetch"],
      ["POST", "/bench/naive"],
      ["GET", "/api/bench/plain"],
    ];
    for (const [method, path] of fixtures) {
      const res = await fetch(`${servers.next!.url}${path}`, { method, headers: { "idempotency-key": "fixture-probe-1" }, body: method === "POST" ? "{}" : undefined });
      expect(`${method} ${path} → ${res.status}`).toBe(`${method} ${path} → 404`);
    }
  });

  it("/api/queue/consume (vercel.json cron): 401 without CRON_SECRET, 200 with Vercel's Bearer header", async () => {
    const { cronSecret } = inject("e2eBuild");
    expect((await get("/api/queue/consume")).status).toBe(401);
    expect((await get("/api/queue/consume", { authorization: "Bearer not-the-cron-secret-000" })).status).toBe(401);
    const res = await get("/api/queue/consume", { authorization: `Bearer ${cronSecret}`, "user-agent": "vercel-cron/1.0" });
    expect(res.status).toBe(200);
  });
});
