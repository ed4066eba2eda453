/**
 * Runs the Hono app on plain Node (edge/node-server.ts) with the kit built from the environment:
 *
 *   PORT=3001 HOST=127.0.0.1 npx tsx scripts/serve-node.ts
 *
 * Same variables as the Next app (.env.example); `PORT=0` picks a free port. The first stdout line
 * is `listening <url>` (the end-to-end tests read it). SIGTERM/SIGINT close the server gracefully.
 */
import { serveNode } from "../edge/node-server";
import { buildKitFromEnv } from "../lib/kit-instance";

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a whole number from 0 to 65535, got "${process.env.PORT}"`);
  process.exit(2);
}

// The Hono app serves no metrics or cron endpoints, so METRICS_TOKEN / CRON_SECRET are not required here.
const server = await serveNode(buildKitFromEnv({ requiredSecrets: [] }), { port, ...(process.env.HOST ? { hostname: process.env.HOST } : {}) });
console.log(`listening ${server.url}`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("[serve-node] close failed", err);
        process.exit(1);
      },
    );
  });
}
