/**
 * The Hono app on plain Node through `@hono/node-server` (no Next): the third way the kit is served,
 * next to Next (`/api/edge/*`) and Cloudflare Workers (edge/worker.ts). Same app, same paths.
 * The process-level part (env, port, signals) lives in scripts/serve-node.ts; this module only takes
 * a Kit, so tests and other hosts can embed it.
 *
 * Client address: the app's middlewares read it from `x-forwarded-for` / `x-real-ip` when
 * TRUST_PROXY=true, i.e. behind a reverse proxy that sets them (nginx, a load balancer). Exposed
 * directly with TRUST_PROXY unset, every anonymous client shares one identity, as in Next's edge
 * middleware (which has no socket address either).
 */
import { serve } from "@hono/node-server";
import { routes } from "../kit.config";
import type { Kit } from "../lib/kit";
import { createApp } from "./app";

export interface NodeServerOptions {
  /** TCP port; 0 picks a free one (see `NodeServer.port`). @default 3000 */
  port?: number;
  /** Interface to bind. @default every interface (Node's default) */
  hostname?: string;
  /** Where the app is mounted. @default "/api/edge" (the same paths as inside Next) */
  basePath?: string;
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
  const app = createApp(kit, { basePath: options.basePath ?? "/api/edge", routes });
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
