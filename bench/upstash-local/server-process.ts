/**
 * Child-process entry for the benchmark, so the measured clients never share an event loop with the server
 * (as in `npm run dev`: the launcher serves upstash-local, Next runs in another process).
 *
 *   fork(file, ["upstash-local", token, redisUrl])  upstash-local over the given redis-server
 *   fork(file, ["floor"])                           the HTTP floor: a node:http server that answers every
 *                                                   Upstash request with a canned reply and touches no Redis
 *
 * IPC: sends { ready, url } once serving; on "close" sends { closed, stats } (stats: upstash-local only) and exits.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startUpstashLocal, type UpstashLocalStats } from "../../tools/upstash-local/server";

interface Served {
  url: string;
  stats(): UpstashLocalStats | undefined;
  close(): Promise<void>;
}

/** Canned replies in the Upstash envelope: one `{"result":"OK"}` per command, an array for /pipeline. */
async function startFloor(): Promise<Served> {
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown[];
      const reply = req.url === "/pipeline" || req.url === "/multi-exec" ? body.map(() => ({ result: "OK" })) : { result: "OK" };
      res.writeHead(200, { "content-type": "application/json", "upstash-sync-token": "0" });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function startServed(): Promise<Served> {
  const [mode, token, redisUrl] = process.argv.slice(2);
  if (mode === "floor") return startFloor();
  if (mode === "upstash-local" && token && redisUrl) {
    const server = await startUpstashLocal({ port: 0, token, redisUrl });
    return { url: server.url, stats: () => server.stats(), close: () => server.close() };
  }
  console.error('server-process: fork(file, ["upstash-local", token, redisUrl]) or fork(file, ["floor"])');
  process.exit(2);
}

if (!process.send) {
  console.error("server-process: must be started with child_process.fork (it reports over IPC)");
  process.exit(2);
}

const served = await startServed();
process.send({ ready: true, url: served.url });

process.on("message", (message) => {
  if (message !== "close") return;
  const stats = served.stats();
  void served.close().then(() => process.send?.({ closed: true, stats }, () => process.exit(0)));
});
process.on("disconnect", () => {
  void served.close().then(() => process.exit(0));
});
