/**
 * Authentication failures as the real @upstash/redis client sees them: a 401 with a JSON
 * `{"error":"WRONGPASS ..."}` body becomes an UpstashError, and because HTTP errors are never retried the client
 * sends exactly one request even with its default retry policy (5 retries): no retry storm.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Redis, errors, type RedisConfigNodejs } from "@upstash/redis";
import { startPrivateUpstashLocal, type PrivateUpstashLocal } from "./private-upstash-local";

let server: PrivateUpstashLocal;

beforeAll(async () => {
  server = await startPrivateUpstashLocal();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A client with the DEFAULT retry policy and a wrong token. */
const wrongTokenClient = (overrides: Partial<RedisConfigNodejs> = {}) =>
  new Redis({ url: server.url, token: "definitely-not-the-token", enableTelemetry: false, ...overrides });

describe("wrong token", () => {
  it.each<[string, Partial<RedisConfigNodejs>]>([
    ["one request per command", { enableAutoPipelining: false }],
    ["auto-pipelined", {}],
  ])("%s: rejects with an UpstashError carrying WRONGPASS after exactly one HTTP request", async (_mode, overrides) => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const before = await server.httpRequests();
    const error = await wrongTokenClient(overrides)
      .get("any-key")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect((error as Error).message).toContain("WRONGPASS");
    expect((error as Error).message).toContain('command was: ');
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect((await server.httpRequests()) - before).toBeLessThanOrEqual(1);
  });

  it("explicit pipelines and transactions reject with WRONGPASS too (not a crash on a non-array body)", async () => {
    const redis = wrongTokenClient();
    await expect(redis.pipeline().set("k", "v").get("k").exec()).rejects.toThrow(/WRONGPASS/);
    await expect(redis.multi().set("k", "v").get("k").exec()).rejects.toThrow(/WRONGPASS/);
  });

  it("an empty token is refused the same way", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {}); // the client warns about the missing token
    const redis = new Redis({ url: server.url, token: "", enableTelemetry: false, enableAutoPipelining: false });
    await expect(redis.get("k")).rejects.toThrow(/WRONGPASS|Unauthorized/i);
  });

  it("the right token on the same server works", async () => {
    expect(await server.client().ping()).toBe("PONG");
  });

  it("a failed auth does not change the client's read-your-writes token", async () => {
    const redis = wrongTokenClient({ enableAutoPipelining: false });
    redis.readYourWritesSyncToken = "kept-token";
    await expect(redis.get("k")).rejects.toThrow(/WRONGPASS/);
    expect(redis.readYourWritesSyncToken).toBe("kept-token");
  });
});
