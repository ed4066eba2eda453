/**
 * The in-flight lease while the handler runs (lib/idempotency/heartbeat.ts): renewed every lease/3,
 * so a handler slower than its lease still runs once and its duplicates get 409 (draft-ietf-httpapi-
 * idempotency-key-header-07 §2.7), then the replay. A claim that cannot be renewed — its instance
 * frozen or cut off from Redis — still frees the key when the lease lapses (crash recovery), and the
 * lost claim is reported. Real slow handlers, real concurrency; msw only fails renewals at the HTTP layer.
 */
import { Hono, type Context } from "hono";
import { http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@/edge/app";
import type { AppEnv } from "@/edge/env";
import { idempotency } from "@/edge/middleware/idempotency";
import { IDEMPOTENCY_RENEW, IdempotencyClaimLostError, sha256Base64Url } from "@/lib/idempotency";
import { defineRoutes } from "@/lib/policy";
import { createTestKit } from "../setup/kit";
import { testRedis, upstashTarget } from "../setup/redis";
import { newIp, newKey } from "./idempotency-harness";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "bypass" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const kit = createTestKit({ env: { TRUST_PROXY: "true", REDIS_BREAKER_THRESHOLD: "0" } });
const raw = testRedis();
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Renewals every 200 ms leave 400 ms for one round trip (EVALSHA, then EVAL on the first NOSCRIPT) on a busy machine.
const LEASE = "600 ms";
const HANDLER_MS = 1500;

type Requestable = { request: (path: string, init: RequestInit) => Response | Promise<Response> };
const send = (app: Requestable, path: string, key: string, ip: string) =>
  Promise.resolve(app.request(path, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key, "x-forwarded-for": ip }, body: "{}" }));

function warnings(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  return { lines, restore: () => (console.warn = original) };
}

/** Duplicates of one request against a handler 2.5× slower than the lease. */
async function slowDuplicates(app: Requestable, path: string, runs: () => number): Promise<void> {
  const [key, ip] = [newKey(), newIp()];
  const before = runs();
  const first = send(app, path, key, ip);
  await sleep(800); // past the original lease: without renewal the key would be free again
  const second = await send(app, path, key, ip);
  expect(second.status).toBe(409);
  const third = send(app, path, key, ip); // still in flight
  const [a, c] = await Promise.all([first, third]);
  expect(a.status).toBe(201);
  expect(c.status).toBe(409);
  const after = await send(app, path, key, ip);
  expect(after.headers.get("idempotent-replayed")).toBe("true");
  expect(await after.text()).toBe(await a.text());
  expect(runs() - before).toBe(1);
}

describe("a handler slower than its lease runs once", () => {
  it("through the policy table (the gates() middleware)", async () => {
    let runs = 0;
    const routes = defineRoutes([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: { lease: LEASE } } }]);
    const app = createApp(kit, { basePath: "/api/edge", routes });
    app.post("/pay", async (c) => {
      const n = ++runs;
      await sleep(HANDLER_MS);
      return c.json({ charge: n }, 201);
    });
    await slowDuplicates(app, "/api/edge/pay", () => runs);
  });

  it("through the standalone idempotency() middleware", async () => {
    let runs = 0;
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("kit", kit);
      c.set("route", null);
      await next();
    });
    app.post("/pay", idempotency({ policy: { lease: LEASE } }), async (c) => {
      const n = ++runs;
      await sleep(HANDLER_MS);
      return c.json({ charge: n }, 201);
    });
    await slowDuplicates(app, "/pay", () => runs);
  });
});

describe("a claim that can no longer be renewed", () => {
  const routes = defineRoutes([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: { lease: LEASE } } }]);
  const app = createApp(kit, { basePath: "/api/edge", routes });
  let runs = 0;
  let hold: Promise<void> = Promise.resolve();
  app.post("/pay", async (c) => {
    const n = ++runs;
    await hold;
    return c.json({ charge: n }, 201);
  });

  it("renewals that cannot reach Redis: the key frees when the lease lapses (crash recovery) and the loss is logged", async () => {
    const [key, ip] = [newKey(), newIp()];
    const log = warnings();
    let finish!: () => void;
    hold = new Promise<void>((r) => (finish = r));
    msw.use(
      http.post(`${target.url}/*`, async ({ request }) =>
        (await request.clone().text()).includes(IDEMPOTENCY_RENEW.sha1) ? HttpResponse.json({ error: "down" }, { status: 503 }) : passthrough(),
      ),
    );
    try {
      const before = runs;
      const stuck = send(app, "/api/edge/pay", key, ip);
      await sleep(50);
      expect((await send(app, "/api/edge/pay", key, ip)).status).toBe(409);
      await sleep(800); // past the lease: no renewal landed
      hold = Promise.resolve();
      const retry = await send(app, "/api/edge/pay", key, ip);
      expect(retry.status).toBe(201);
      expect(runs - before).toBe(2);
      expect(log.lines.some((l) => /claim on .* was lost .*could not be renewed/.test(l))).toBe(true);
      finish();
      await stuck;
    } finally {
      log.restore();
      hold = Promise.resolve();
    }
  });

  it("a record taken away while the handler runs: the next renewal reports the claim lost", async () => {
    const [key, ip] = [newKey(), newIp()];
    const log = warnings();
    let finish!: () => void;
    hold = new Promise<void>((r) => (finish = r));
    try {
      const running = send(app, "/api/edge/pay", key, ip);
      await sleep(50);
      await raw.del(kit.keys.idempotency(`ip:${ip}`, await sha256Base64Url(key)));
      await sleep(450); // at least one renewal (every 200 ms)
      expect(log.lines.some((l) => /claim on .* was lost .*lease lapsed or the record was released/.test(l))).toBe(true);
      finish();
      expect((await running).status).toBe(201); // the caller still gets its response
    } finally {
      log.restore();
      hold = Promise.resolve();
    }
  });
});

describe("the handler learns of a lost claim through c.var.idempotencySignal", () => {
  /** A handler that takes its own record away, then waits for the signal: what it aborted with, and whether it had a signal at all. */
  function abortWatcher() {
    const seen: { reason?: unknown; hadSignal?: boolean } = {};
    const handler = async (c: Context<AppEnv>) => {
      const signal = c.get("idempotencySignal");
      seen.hadSignal = signal !== undefined;
      if (!signal) return c.json({ ok: true }, 201);
      const [ip, key] = [c.req.header("x-forwarded-for")!, c.req.header("idempotency-key")!];
      await raw.del(kit.keys.idempotency(`ip:${ip}`, await sha256Base64Url(key)));
      seen.reason = await new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason), { once: true }));
      return c.json({ ok: true }, 201);
    };
    return { seen, handler };
  }

  async function expectAbortedWithClaimLost(app: Requestable, path: string, seen: { reason?: unknown; hadSignal?: boolean }) {
    const log = warnings();
    try {
      expect((await send(app, path, newKey(), newIp())).status).toBe(201);
    } finally {
      log.restore();
    }
    expect(seen.hadSignal).toBe(true);
    expect(seen.reason).toBeInstanceOf(IdempotencyClaimLostError);
    expect(seen.reason).toMatchObject({ code: "E_IDEMPOTENCY_CLAIM_LOST", context: { why: "taken" } });
  }

  it("through the policy table (the gates() middleware)", async () => {
    const { seen, handler } = abortWatcher();
    const routes = defineRoutes([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: { lease: LEASE } } }]);
    const app = createApp(kit, { basePath: "/api/edge", routes });
    app.post("/pay", handler);
    await expectAbortedWithClaimLost(app, "/api/edge/pay", seen);
  });

  it("through the standalone idempotency() middleware", async () => {
    const { seen, handler } = abortWatcher();
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("kit", kit);
      c.set("route", null);
      await next();
    });
    app.post("/pay", idempotency({ policy: { lease: LEASE } }), handler);
    await expectAbortedWithClaimLost(app, "/pay", seen);
  });

  it("is undefined when the request holds no claim (no Idempotency-Key on an optional route)", async () => {
    const { seen, handler } = abortWatcher();
    const routes = defineRoutes([{ pattern: "/pay", methods: ["POST"], name: "pay", policy: { idempotency: { required: false } } }]);
    const app = createApp(kit, { basePath: "/api/edge", routes });
    app.post("/pay", handler);
    const res = await app.request("/api/edge/pay", { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": newIp() }, body: "{}" });
    expect(res.status).toBe(201);
    expect(seen.hadSignal).toBe(false);
  });
});
