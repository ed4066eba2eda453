/**
 * The Hono app on plain Node through `@hono/node-server` (no Next): the third way the kit is served,
 * next to Next (`/api/edge/*`) and Cloudflare Workers (edge/worker.ts). Same app, same paths.
 * The process-level part (env, port, signals) lives in scripts/serve-node.ts; this module only takes
 * a Kit, so tests and other hosts can embed it.
 *
 * Client address: with TRUST_PROXY=true (behind a reverse proxy that sets them: nginx, a load
 * balancer) the gates read `x-forwarded-for` / `x-real-ip`; with it unset they use the socket's peer
 * address (@hono/node-server's conninfo) and ignore those headers, which a client could forge.
 */
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { resolveUser, routes } from "../kit.config";
import { registerExampleRoutes } from "./example-routes";
import type { UserResolver } from "../lib/http";
import type { Kit } from "../lib/kit";
import type { RouteDefinition, RoutePolicy } from "../lib/policy";
import { createApp, type CreateAppOptions } from "./app";

export interface NodeServerOptions {
  /** TCP port; 0 picks a free one (see `NodeServer.port`). @default 3000 */
  port?: number;
  /** Interface to bind. @default every interface (Node's default) */
  hostname?: string;
  /** Where the app is mounted. @default "/api/edge" (the same paths as inside Next) */
  basePath?: string;
  /** The policy table. @default kit.config.ts `routes` */
  routes?: readonly RouteDefinition<RoutePolicy>[];
  /** App-supplied user id (a verified session/JWT) for per-user limits and idempotency scopes. */
  resolveUser?: UserResolver;
  /** Your handlers (createApp's `register`). @default the repo's example routes (edge/example-routes.ts) */
  register?: CreateAppOptions["register"];
}

export interface NodeServer {
  /** Base URL of the server, e.g. `http://127.0.0.1:3000` (the app lives under `basePath`). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, closes idle keep-alive sockets and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Serves `createApp(kit, { basePath, routes })` (routes from kit.config.ts) over HTTP/1.1.
 * @example
 * const server = await serveNode(getKit(), { port: 3001, hostname: "127.0.0.1" });
 * // curl http://127.0.0.1:3001/api/edge/items/1
 */
export function serveNode(kit: Kit, options: NodeServerOptions = {}): Promise<NodeServer> {
  const app = createApp(kit, {
    basePath: options.basePath ?? "/api/edge",
    routes: options.routes ?? routes,
    register: options.register ?? registerExampleRoutes,
    // Only requests that came in over a socket have one: the cache's stale refresh re-enters the app
    // with app.fetch(request) and no Node bindings, where getConnInfo would throw.
    remoteAddress: (c) => (hasSocket(c.env) ? (getConnInfo(c).remote.address ?? null) : null),
    ...((options.resolveUser ?? resolveUser) ? { resolveUser: options.resolveUser ?? resolveUser } : {}),
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 3000, ...(options.hostname ? { hostname: options.hostname } : {}) }, (info) => {
      const host = options.hostname ?? "localhost";
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Keep-alive sockets of past clients would hold close() open until they time out.
            if ("closeIdleConnections" in server) server.closeIdleConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}

/** Whether the request came in through @hono/node-server (its bindings carry the Node request). */
function hasSocket(env: unknown): boolean {
  return typeof env === "object" && env !== null && "incoming" in env && env.incoming != null;
}
