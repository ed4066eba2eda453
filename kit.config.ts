/**
 * The app's policy table: route pattern → what the kit does for it. Patterns are relative to the API
 * base, so the same table gates Next's /api/* (middleware.ts) and the Hono app's /api/edge/*.
 * Features add their fields to each entry as they land (rateLimit, cache, idempotency…).
 */
import type { UserResolver } from "./lib/http";
import { defineRoutes } from "./lib/policy";
import { defineRateLimits } from "./lib/ratelimit";
import { itemTag } from "./edge/example/item-tag";

/**
 * Rate-limit policies (lib/ratelimit DEFAULT_POLICIES: api, login, upload, message, export, orders),
 * overridden here per app; routes below reference them by name.
 */
export const rateLimits = defineRateLimits({
  policies: {
    // DESIGN.md §3: POST /orders is limited to 10/min per identity (on top of `api`).
    orders: { algorithm: "sliding-window", limit: 10, window: "60 s", identity: "user-or-ip" },
  },
  legacyHeaders: true,
});

/**
 * Who the caller is: a stable user id from a credential you VERIFY here (a signed session cookie, a
 * JWT — with Web APIs only: it runs in middleware.ts on the edge, and in the Hono app), or null for an
 * anonymous caller, who is keyed by client IP. It scopes per-user rate limits (`identity: "user-or-ip"`)
 * and idempotency records: without it, callers behind one address share both. Every entry point passes
 * it (middleware.ts, the Hono apps). This example app has no users.
 * @example export const resolveUser: UserResolver = async (req) => (await verifySession(req.headers.get("cookie")))?.userId ?? null;
 */
export const resolveUser: UserResolver | undefined = undefined;

export const routes = defineRoutes([
  { pattern: "/items/:id", methods: ["GET"], name: "items.read", policy: { description: "cached read", rateLimit: rateLimits.use("api"), cache: { ttl: "60 s", staleWhileRevalidate: "5 m", tags: (p) => [itemTag(p.id ?? "")] } } },
  { pattern: "/items/:id", methods: ["PUT"], name: "items.write", policy: { description: "write + invalidation", rateLimit: rateLimits.use("api") } },
  { pattern: "/orders", methods: ["POST"], name: "orders.create", policy: { description: "idempotent, rate limited", rateLimit: rateLimits.use("api", "orders"), idempotency: { required: true } } },
  { pattern: "/permits/ingest", methods: ["POST"], name: "permits.ingest", policy: { description: "dedupe under a lock", rateLimit: rateLimits.use("api") } },
  { pattern: "/jobs", methods: ["POST"], name: "jobs.create", policy: { description: "enqueue", rateLimit: rateLimits.use("api") } },
  { pattern: "/jobs/:id", methods: ["GET"], name: "jobs.read", policy: { description: "job status", rateLimit: rateLimits.use("api") } },
  // Benchmark fixtures (bench/gate, app/api/bench; 404 unless EDGE_KIT_BENCH=1): a gated write with a trivial
  // handler, and no gates for the rest, so (a′) measures Next's middleware alone.
  { pattern: "/bench/kit-write", methods: ["POST"], name: "bench.kit-write", policy: { description: "benchmark fixture: gated write", rateLimit: rateLimits.use("api"), idempotency: { required: true } } },
  { pattern: "/bench/*", name: "bench.fixtures", policy: { description: "benchmark fixtures: no gates" } },
  // KEEP LAST: everything else under the API base is rate limited by `api` too (one shared budget per
  // identity for all unlisted paths: per-path budgets would let a client mint fresh ones at will).
  { pattern: "/*", name: "api.other", policy: { description: "any other API path", rateLimit: rateLimits.use("api") } },
]);
