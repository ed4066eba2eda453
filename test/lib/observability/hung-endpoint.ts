/**
 * A REST endpoint that accepts connections and never answers: what a hung Upstash looks like from the
 * client. Used by the health/metrics budget tests (lib and app).
 */
import { createServer, type Server } from "node:http";

export interface HungEndpoint {
  url: string;
  /** Requests received so far (proves the client really tried). */
  requests(): number;
  close(): Promise<void>;
}

export async function startHungEndpoint(): Promise<HungEndpoint> {
  let count = 0;
  const server: Server = createServer(() => {
    count++; // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
