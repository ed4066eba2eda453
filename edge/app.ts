/**
 * createApp(kit): the Hono app. Runtime-agnostic (Vercel node/edge routes, workerd, @hono/node-server);
 * no env reads and no singletons here — the caller hands in the Kit and the route policy table.
 */
import { Hono, type Context } from "hono";
import type { Kit } from "../lib/kit";
import { checkHealth, healthHttpStatus, HEALTH_CONTENT_TYPE } from "../lib/observability";
import type { UserResolver } from "../lib/http";
import type { RouteDefinition, RoutePolicy } from "../lib/policy";
import { onError, notFound } from "./on-error";
import type { AppEnv } from "./env";
import { registerGates } from "./middleware/gates";
import { provideKit } from "./middleware/provide-kit";

export interface CreateAppOptions {
  /** Where the app is mounted, e.g. "/api/edge" inside Next. @default "/" */
  basePath?: string;
  /** The app's policy table (kit.config.ts `routes`); patterns are relative to `basePath`. @default [] */
  routes?: readonly RouteDefinition<RoutePolicy>[];
  /**
   * The runtime's own view of the client address, used when proxy headers are not trusted
   * (TRUST_PROXY unset). serveNode() passes the socket's peer address (@hono/node-server conninfo);
   * Next's edge middleware and workerd have none (the worker maps CF-Connecting-IP instead).
   */
  remoteAddress?: (c: Context<AppEnv>) => string | null;
  /** App-supplied user id (a verified session/JWT) for per-user limits and idempotency scopes. */
  resolveUser?: UserResolver;
  /**
   * Your handlers, registered after the gates so each gate runs before them (paths relative to
   * `basePath`). The repo's own entry points pass `registerExampleRoutes` (edge/example-routes.ts);
   * nothing else is mounted but `/health`.
   * @example createApp(kit, { basePath: "/api", routes, register: (app) => app.get("/products/:id", getProduct) })
   */
  register?: (app: Hono<AppEnv, any, any>) => void;
}

export function createApp(kit: Kit, options: CreateAppOptions = {}) {
  const basePath = options.basePath ?? "/";
  const app = new Hono<AppEnv>().basePath(basePath);
  app.use(provideKit(kit, { basePath, routes: options.routes ?? [] }));
  app.onError(onError);
  app.notFound(notFound);

  app.get("/health", async (c) => {
    const report = await checkHealth(c.get("kit"), { timeoutMs: 300, routes: options.routes ?? [] });
    return c.body(JSON.stringify(report), healthHttpStatus(report), {
      "content-type": HEALTH_CONTENT_TYPE,
      "cache-control": "no-store",
    });
  });

  // The kit's gates (rate limit → idempotency → cache) as one middleware: one Redis round trip per
  // request (issue 10). The standalone rateLimit() / idempotency() / cache() middlewares stay available.
  registerGates(app, { remoteAddress: options.remoteAddress, resolveUser: options.resolveUser });

  // The app's handlers after every middleware, so each gate runs before them.
  options.register?.(app);

  return app;
}

export type App = ReturnType<typeof createApp>;
