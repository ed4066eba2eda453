/**
 * THE contract of DESIGN.md §3, written once: a table of cases, each a sequence of HTTP requests
 * with the status, headers and body every way of serving the kit must answer. `runContract` plays
 * it against one target and returns a normalised transcript; the suite then requires every target's
 * transcript to be identical (test/e2e/contract.test.ts).
 *
 * Each case run is its own client (a fresh IP: the rate-limit budgets are per identity and per
 * route) with its own ids (a fresh `uid`), so cases and targets never see each other's state.
 */
import { expect } from "vitest";
import { clearOfWindowEdge } from "../../setup/window-edge";

/** Where a target serves the API and how it learns the client address. */
export interface Target {
  name: string;
  origin: string;
  /** "/api" (Next route handlers behind middleware.ts) or "/api/edge" (the Hono app). */
  base: string;
  /** The header the platform puts the client address in (workerd: CF-Connecting-IP). */
  clientAddressHeader: "x-forwarded-for" | "cf-connecting-ip";
  /** The Hono app serves it (cases marked `hono` run only there). */
  hono: boolean;
}

export interface CaseContext {
  readonly target: Target;
  /** Unique per case run: put it in every id a case creates. */
  readonly uid: string;
  readonly ip: string;
  /** Values saved by earlier steps (order ids, job ids…). */
  readonly vars: Record<string, string>;
}

export interface Recorded {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON for JSON/problem/health bodies, else the text. */
  body: unknown;
}

export interface Step {
  name: string;
  method: "GET" | "HEAD" | "POST" | "PUT";
  /** Relative to the target's base, e.g. `/items/${ctx.uid}`. */
  path: (ctx: CaseContext) => string;
  headers?: (ctx: CaseContext) => Record<string, string>;
  /** An object is sent as JSON; a string as is (content-type: application/json either way). */
  body?: (ctx: CaseContext) => unknown;
  /** Re-sends (up to 5 s) until this holds, e.g. until a job completed; the last answer counts. */
  until?: (res: Recorded) => boolean;
  expect: (res: Recorded, ctx: CaseContext) => void;
  save?: (res: Recorded, ctx: CaseContext) => void;
}

export interface ContractCase {
  name: string;
  /** Only the Hono app serves these routes (e.g. GET /health); Next's /api has node routes instead. */
  hono?: boolean;
  steps: (ctx: CaseContext) => Step[];
}

export type Transcript = Record<string, unknown>;

// --- assertions shared by the table --------------------------------------------------------------

const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";
/** IANA HTTP problem type of a refused rate limit (draft-ietf-httpapi-ratelimit-headers). */
const QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function problem(res: Recorded, status: number, type: string): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe(PROBLEM_TYPE);
  const body = res.body as Record<string, unknown>;
  expect(body.type).toBe(type.startsWith("https://") ? type : `https://edge-kit.dev/problems/${type}`);
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe("string");
  // Never internals: no stack traces in any problem.
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return body;
}

function apiLimit(res: Recorded, remaining: number): void {
  expect(res.headers["ratelimit-policy"]).toBe('"api";q=100;w=60');
  expect(res.headers.ratelimit).toMatch(new RegExp(`^"api";r=${remaining};t=\\d+$`));
  expect(res.headers["x-ratelimit-limit"]).toBe("100");
  expect(res.headers["x-ratelimit-remaining"]).toBe(String(remaining));
  expect(res.headers["x-ratelimit-reset"]).toMatch(/^\d{10}$/);
}

function orderLimit(res: Recorded, api: number, orders: number): void {
  expect(res.headers["ratelimit-policy"]).toBe('"api";q=100;w=60, "orders";q=10;w=60');
  expect(res.headers.ratelimit).toMatch(new RegExp(`^"api";r=${api};t=\\d+, "orders";r=${orders};t=\\d+$`));
  // Legacy headers describe the most restrictive policy.
  expect(res.headers["x-ratelimit-limit"]).toBe("10");
  expect(res.headers["x-ratelimit-remaining"]).toBe(String(orders));
}

const itemBody = (id: string, name: string, version: number) => ({ id, name, version, ...(version === 0 ? { updated_at: "1970-01-01T00:00:00.000Z" } : {}) });

// --- the table -----------------------------------------------------------------------------------

const orderKey = (ctx: CaseContext, n: string) => `"order-${ctx.uid}-${n}"`;

export const CONTRACT: readonly ContractCase[] = [
  {
    name: "items: cached read MISS → HIT, PUT invalidates (next GET is a MISS with the new item)",
    steps: () => [
      {
        name: "first read",
        method: "GET",
        path: (c) => `/items/it-${c.uid}`,
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.headers["content-type"]).toBe(JSON_TYPE);
          expect(r.headers["x-cache"]).toBe("MISS");
          expect(r.body).toEqual(itemBody(`it-${c.uid}`, `Item it-${c.uid}`, 0));
          apiLimit(r, 99);
        },
      },
      {
        name: "second read is a HIT",
        method: "GET",
        path: (c) => `/items/it-${c.uid}`,
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.headers["x-cache"]).toBe("HIT");
          expect(r.headers.age).toMatch(/^\d+$/);
          expect(r.body).toEqual(itemBody(`it-${c.uid}`, `Item it-${c.uid}`, 0));
          apiLimit(r, 98);
        },
      },
      {
        name: "HEAD is answered from the stored GET (RFC 9110 §9.3.2): HIT, its headers, no content, GET's budget",
        method: "HEAD",
        path: (c) => `/items/it-${c.uid}`,
        expect: (r) => {
          expect(r.status).toBe(200);
          expect(r.headers["x-cache"]).toBe("HIT");
          expect(r.headers["content-type"]).toBe(JSON_TYPE);
          expect(r.body).toBe("");
          apiLimit(r, 97);
        },
      },
      {
        name: "write",
        method: "PUT",
        path: (c) => `/items/it-${c.uid}`,
        body: () => ({ name: "Blue mug" }),
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.headers["cache-control"]).toBe("no-store");
          expect(r.headers["x-cache"]).toBeUndefined();
          expect(r.body).toMatchObject({ id: `it-${c.uid}`, name: "Blue mug", version: 1 });
          expect((r.body as { updated_at: string }).updated_at).toMatch(ISO);
          apiLimit(r, 99); // items.write has its own budget (per route)
        },
      },
      {
        name: "read after the write is a MISS with the new item",
        method: "GET",
        path: (c) => `/items/it-${c.uid}`,
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.headers["x-cache"]).toBe("MISS");
          expect(r.body).toMatchObject({ id: `it-${c.uid}`, name: "Blue mug", version: 1 });
          apiLimit(r, 96);
        },
      },
      {
        name: "and is cached again",
        method: "GET",
        path: (c) => `/items/it-${c.uid}`,
        expect: (r) => {
          expect(r.headers["x-cache"]).toBe("HIT");
          expect(r.body).toMatchObject({ name: "Blue mug", version: 1 });
        },
      },
    ],
  },
  {
    name: "items: bad input is a 400 problem, never a 500",
    steps: () => [
      { name: "invalid id", method: "GET", path: () => "/items/a*b", expect: (r) => expect(problem(r, 400, "bad-request").title).toBe("Invalid item id") },
      { name: "PUT, not JSON", method: "PUT", path: (c) => `/items/it-${c.uid}`, body: () => "{oops", expect: (r) => expect(problem(r, 400, "bad-request").title).toBe("Invalid JSON body") },
      { name: "PUT, empty name", method: "PUT", path: (c) => `/items/it-${c.uid}`, body: () => ({ name: " " }), expect: (r) => expect(problem(r, 400, "bad-request").title).toBe("Invalid item") },
    ],
  },
  {
    name: "orders: Idempotency-Key required; 201, byte-identical replay, 422 on another payload",
    steps: () => [
      {
        name: "no key",
        method: "POST",
        path: () => "/orders",
        body: () => ({ item_id: "sku-1", quantity: 2 }),
        expect: (r) => problem(r, 400, "idempotency-key-invalid"),
      },
      {
        name: "malformed key",
        method: "POST",
        path: () => "/orders",
        headers: () => ({ "idempotency-key": '"short"' }),
        body: () => ({ item_id: "sku-1", quantity: 2 }),
        expect: (r) => problem(r, 400, "idempotency-key-invalid"),
      },
      {
        name: "first request",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "a") }),
        body: () => ({ item_id: "sku-1", quantity: 2 }),
        expect: (r, c) => {
          expect(r.status).toBe(201);
          expect(r.headers["content-type"]).toBe(JSON_TYPE);
          expect(r.headers["idempotent-replayed"]).toBeUndefined();
          const body = r.body as { order_id: string; created_at: string };
          expect(body).toMatchObject({ item_id: "sku-1", quantity: 2 });
          expect(body.order_id).toMatch(/^ord_[0-9a-f]{32}$/);
          expect(body.created_at).toMatch(ISO);
          expect(r.headers.location).toBe(`${c.target.base}/orders/${body.order_id}`);
          orderLimit(r, 97, 7);
        },
        save: (r, c) => {
          c.vars.order = JSON.stringify(r.body);
        },
      },
      {
        name: "same key, same body: the stored response again",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "a") }),
        body: () => ({ item_id: "sku-1", quantity: 2 }),
        expect: (r, c) => {
          expect(r.status).toBe(201);
          expect(r.headers["idempotent-replayed"]).toBe("true");
          expect(r.body).toEqual(JSON.parse(c.vars.order!));
          expect(r.headers.location).toBe(`${c.target.base}/orders/${(r.body as { order_id: string }).order_id}`);
        },
      },
      {
        name: "same key, another body",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "a") }),
        body: () => ({ item_id: "sku-1", quantity: 3 }),
        expect: (r) => problem(r, 422, "idempotency-key-reused"),
      },
      {
        name: "fresh key, invalid order",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "b") }),
        body: () => ({ item_id: "", quantity: 0 }),
        expect: (r) => {
          const body = problem(r, 400, "bad-request");
          expect((body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(["item_id", "quantity"]);
        },
      },
      {
        name: "fresh key, body over 16 KiB",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "c") }),
        body: () => ({ item_id: "sku-1", quantity: 1, note: "x".repeat(20_000) }),
        expect: (r) => problem(r, 413, "payload-too-large"),
      },
    ],
  },
  {
    name: "orders: 10 per minute per client, then 429 with Retry-After (even for a replay: the limit comes first)",
    steps: () => [
      ...Array.from({ length: 10 }, (_, i): Step => ({
        name: `order ${i + 1}`,
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, `rl-${i}`) }),
        body: () => ({ item_id: "sku-2", quantity: 1 }),
        expect: (r) => {
          expect(r.status).toBe(201);
          orderLimit(r, 99 - i, 9 - i);
        },
      })),
      {
        name: "order 11",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "rl-10") }),
        body: () => ({ item_id: "sku-2", quantity: 1 }),
        expect: (r) => {
          const body = problem(r, 429, QUOTA_EXCEEDED);
          expect(body["violated-policies"]).toEqual(["orders"]);
          expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
          expect(Number(r.headers["retry-after"])).toBeLessThanOrEqual(60);
          expect(r.headers.ratelimit).toMatch(/"orders";r=0;t=\d+/);
        },
      },
      {
        name: "replay of order 1",
        method: "POST",
        path: () => "/orders",
        headers: (c) => ({ "idempotency-key": orderKey(c, "rl-0") }),
        body: () => ({ item_id: "sku-2", quantity: 1 }),
        expect: (r) => problem(r, 429, QUOTA_EXCEEDED),
      },
    ],
  },
  {
    name: "permits: ingest under the lock, each id accepted once (dedupe), bad bodies 400",
    steps: () => [
      {
        name: "two new permits",
        method: "POST",
        path: () => "/permits/ingest",
        body: (c) => ({ permits: [{ id: `${c.uid}-a` }, { id: `${c.uid}-b`, county: "Travis" }] }),
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.headers["content-type"]).toBe(JSON_TYPE);
          expect(r.headers["cache-control"]).toBe("no-store");
          expect(r.body).toEqual({ accepted: [`${c.uid}-a`, `${c.uid}-b`], duplicates: [] });
          apiLimit(r, 99);
        },
      },
      {
        name: "one seen, one new",
        method: "POST",
        path: () => "/permits/ingest",
        body: (c) => ({ permits: [{ id: `${c.uid}-b` }, { id: `${c.uid}-c` }] }),
        expect: (r, c) => expect(r.body).toEqual({ accepted: [`${c.uid}-c`], duplicates: [`${c.uid}-b`] }),
      },
      { name: "empty list", method: "POST", path: () => "/permits/ingest", body: () => ({ permits: [] }), expect: (r) => problem(r, 400, "bad-request") },
      { name: "not JSON", method: "POST", path: () => "/permits/ingest", body: () => "permits", expect: (r) => problem(r, 400, "bad-request") },
    ],
  },
  {
    name: "jobs: POST → 202 + Location, GET until completed, dedupe_id, 400 and 404 problems",
    steps: () => [
      {
        name: "enqueue",
        method: "POST",
        path: () => "/jobs",
        body: () => ({ type: "echo", payload: { message: "hi" } }),
        expect: (r, c) => {
          expect(r.status).toBe(202);
          expect(r.headers["content-type"]).toBe(JSON_TYPE);
          const body = r.body as { id: string };
          expect(body).toMatchObject({ status: "queued", mode: "inline", duplicate: false });
          expect(r.headers.location).toBe(`${c.target.base}/jobs/${body.id}`);
        },
        save: (r, c) => {
          c.vars.job = (r.body as { id: string }).id;
        },
      },
      {
        name: "status",
        method: "GET",
        path: (c) => `/jobs/${c.vars.job}`,
        until: (r) => (r.body as { status?: string }).status === "completed",
        expect: (r, c) => {
          expect(r.status).toBe(200);
          expect(r.body).toMatchObject({ id: c.vars.job, type: "echo", status: "completed", mode: "inline", attempts: 1, result: { message: "hi" } });
        },
      },
      {
        name: "enqueue with a dedupe id",
        method: "POST",
        path: () => "/jobs",
        body: (c) => ({ type: "echo", payload: { message: "once" }, dedupe_id: `d-${c.uid}` }),
        expect: (r) => expect(r.body).toMatchObject({ duplicate: false }),
        save: (r, c) => {
          c.vars.deduped = (r.body as { id: string }).id;
        },
      },
      {
        name: "same dedupe id: the same job, not a new one",
        method: "POST",
        path: () => "/jobs",
        body: (c) => ({ type: "echo", payload: { message: "once" }, dedupe_id: `d-${c.uid}` }),
        expect: (r, c) => {
          expect(r.status).toBe(202);
          expect(r.body).toMatchObject({ id: c.vars.deduped, duplicate: true });
        },
      },
      {
        name: "unknown type",
        method: "POST",
        path: () => "/jobs",
        body: () => ({ type: "nope", payload: {} }),
        expect: (r) => expect(problem(r, 400, "bad-request").title).toBe("Unknown job type"),
      },
      {
        name: "invalid payload",
        method: "POST",
        path: () => "/jobs",
        body: () => ({ type: "echo", payload: {} }),
        expect: (r) => expect(problem(r, 400, "bad-request").title).toBe("Invalid job payload"),
      },
      { name: "unknown id", method: "GET", path: (c) => `/jobs/none-${c.uid}`, expect: (r) => problem(r, 404, "not-found") },
    ],
  },
  {
    name: "Hono: GET /health (application/health+json) and problem+json 404 for unknown paths",
    hono: true,
    steps: () => [
      {
        name: "health",
        method: "GET",
        path: () => "/health",
        expect: (r) => {
          expect(r.status).toBe(200);
          expect(r.headers["content-type"]).toBe("application/health+json");
          expect(r.headers["cache-control"]).toBe("no-store");
          expect(r.body).toMatchObject({ status: "pass" });
        },
      },
      { name: "unknown path", method: "GET", path: () => "/no-such-route", expect: (r) => problem(r, 404, "not-found") },
    ],
  },
];

// --- running and normalising ---------------------------------------------------------------------

/**
 * Headers that legitimately differ by platform or transport, and only those: hop-by-hop and framing
 * (`connection`, `keep-alive`, `transfer-encoding`, `content-length`, `content-encoding` — Next and
 * workerd compress, @hono/node-server does not) and `date`. Everything else — the kit's headers,
 * content type, cache-control, location, retry-after, age, vary — must be identical across targets.
 */
export const TRANSPORT_HEADERS: ReadonlySet<string> = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "date"]);

/**
 * `Vary` tokens the platform adds, not the kit: Next's App Router varies every response it serves on
 * its RSC request headers, and its compression adds `Accept-Encoding` (as workerd's would). Any
 * other token (one the kit sets) is kept and compared.
 */
const PLATFORM_VARY: ReadonlySet<string> = new Set(["rsc", "next-router-state-tree", "next-router-prefetch", "next-router-segment-prefetch", "accept-encoding"]);

async function send(target: Target, step: Step, ctx: CaseContext): Promise<Recorded> {
  const headers: Record<string, string> = { [target.clientAddressHeader]: ctx.ip, ...step.headers?.(ctx) };
  const raw = step.body?.(ctx);
  const body = raw === undefined ? undefined : typeof raw === "string" ? raw : JSON.stringify(raw);
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${target.origin}${target.base}${step.path(ctx)}`, { method: step.method, headers, body, redirect: "manual" });
  const text = await res.text();
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!TRANSPORT_HEADERS.has(name)) out[name] = value;
  });
  const type = res.headers.get("content-type") ?? "";
  let parsed: unknown = text;
  if (/json/.test(type)) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text; // the assertions then fail on the text, which is the useful message
    }
  }
  return { status: res.status, headers: out, body: parsed };
}

/** Replaces what must differ between runs and targets (ids, times, the base path), and says so. */
export function normalise(value: unknown, ctx: CaseContext, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, ctx));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, ctx, k)]));
  }
  // Times: *At epoch-ms fields and ISO strings (except the constant epoch of never-written items).
  if (typeof value === "number" && /At$/.test(key)) return "<ms>";
  if (typeof value === "number" && key === "observedValue") return "<n>";
  if (typeof value !== "string") return value;
  let s = value;
  if (ISO.test(s) && s !== "1970-01-01T00:00:00.000Z") return "<time>";
  for (const [name, saved] of Object.entries(ctx.vars)) if (saved && !saved.startsWith("{")) s = s.split(saved).join(`<${name}>`);
  s = s.replace(/ord_[0-9a-f]{32}/g, "ord_<id>").replace(/retry in \d+ s/g, "retry in <s> s");
  s = s.split(ctx.uid).join("<uid>");
  if (s === ctx.target.base || s.startsWith(`${ctx.target.base}/`)) s = `<base>${s.slice(ctx.target.base.length)}`;
  return s;
}

function normaliseHeaders(headers: Record<string, string>, ctx: CaseContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (name === "vary") {
      const kept = value.split(",").map((t) => t.trim()).filter((t) => t && !PLATFORM_VARY.has(t.toLowerCase()));
      if (kept.length > 0) out[name] = kept.join(", ");
    } else if (name === "x-ratelimit-reset") out[name] = "<epoch s>";
    else if (name === "retry-after" || name === "age") out[name] = /^\d+$/.test(value) ? "<s>" : value;
    else if (name === "ratelimit") out[name] = value.replace(/;t=\d+/g, ";t=<s>");
    else out[name] = normalise(value, ctx);
  }
  return out;
}

let nextIp = 1;
/** A fresh private (10/8) client address per case run. */
function freshIp(): string {
  const n = nextIp++;
  return `10.${(process.pid >> 8) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** The contract's limits use 60 s windows; no case takes 8 s (its `until` polls stop at 5 s). */
const LIMIT_WINDOW_MS = 60_000;
const WINDOW_EDGE_MARGIN_MS = 8_000;

/** Plays every case (or the given ones) against `target`; assertion failures name the target, case and step. */
export async function runContract(target: Target, cases: readonly ContractCase[] = CONTRACT): Promise<Transcript> {
  const transcript: Transcript = {};
  for (const contractCase of cases) {
    if (contractCase.hono && !target.hono) continue;
    await clearOfWindowEdge(LIMIT_WINDOW_MS, WINDOW_EDGE_MARGIN_MS);
    const ctx: CaseContext = { target, uid: Math.random().toString(36).slice(2, 10), ip: freshIp(), vars: {} };
    for (const step of contractCase.steps(ctx)) {
      let res = await send(target, step, ctx);
      for (const deadline = Date.now() + 5000; step.until && !step.until(res) && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100));
        res = await send(target, step, ctx);
      }
      const where = `[${target.name}] ${contractCase.name} › ${step.name}`;
      try {
        step.expect(res, ctx);
      } catch (error) {
        (error as Error).message = `${where}\n${(error as Error).message}\nresponse: ${JSON.stringify(res, null, 1).slice(0, 2000)}`;
        throw error;
      }
      step.save?.(res, ctx);
      transcript[`${contractCase.name} › ${step.name}`] = { status: res.status, headers: normaliseHeaders(res.headers, ctx), body: normalise(res.body, ctx) };
    }
  }
  return transcript;
}
