/**
 * createRedis: every transport knob is checked against the real @upstash/redis client —
 * request counts for retries (msw, HttpResponse.error()), a timeout that throws (a local HTTP
 * server that never answers), and auto-pipelining (a private upstash-local's own counters).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedis, retryBackoffMs } from "@/lib/redis";
import { spawnRedisServer, type SpawnedRedis } from "@/tools/upstash-local/redis-server";
import { startUpstashLocal, type UpstashLocal } from "@/tools/upstash-local/server";

// A host msw answers for; nothing real listens there.
const FAULTY = "http://redis-faulty.test";

describe("createRedis: retries (msw drops every connection)", () => {
  const msw = setupServer(http.post(`${FAULTY}/*`, () => HttpResponse.error()));
  let requests = 0;
  beforeAll(() => {
    msw.listen({ onUnhandledRequest: "error" });
    msw.events.on("request:start", () => {
      requests++;
    });
  });
  afterEach(() => {
    requests = 0;
  });
  afterAll(() => msw.close());

  it("retries: 0 sends exactly one request and throws the network error", async () => {
    const redis = createRedis({ url: FAULTY, token: "t", commandTimeoutMs: 2000, retries: 0 });
    await expect(redis.get("k")).rejects.toThrow(TypeError);
    expect(requests).toBe(1);
  });

  it("retries: 2 sends three requests", async () => {
    const redis = createRedis({ url: FAULTY, token: "t", commandTimeoutMs: 2000, retries: 2 });
    await expect(redis.get("k")).rejects.toThrow(TypeError);
    expect(requests).toBe(3);
  });

  it("why not `retry: false`: in @upstash/redis 1.39 it still sends two requests", async () => {
    const raw = new Redis({ url: FAULTY, token: "t", retry: false, enableTelemetry: false });
    await expect(raw.get("k")).rejects.toThrow(TypeError);
    expect(requests).toBe(2);
  });

  it("one budget covers a request and its retries: the timeout cuts the retry loop short", async () => {
    // 5 retries would sleep 50+100+200+400+800 ms; the 200 ms signal is shared by all attempts,
    // and the first attempt after it fired throws TimeoutError instead of sleeping on.
    const redis = createRedis({ url: FAULTY, token: "t", commandTimeoutMs: 200, retries: 5 });
    const started = performance.now();
    await expect(redis.get("k")).rejects.toMatchObject({ name: "TimeoutError" });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(requests).toBeLessThan(6);
  });

  it("backs off 50, 100, 200 … ms, capped at 1 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(retryBackoffMs)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });

  it("rejects nonsense options at construction", () => {
    expect(() => createRedis({ url: FAULTY, token: "t", commandTimeoutMs: 100, retries: -1 })).toThrow(RangeError);
    expect(() => createRedis({ url: FAULTY, token: "t", commandTimeoutMs: 0, retries: 0 })).toThrow(RangeError);
  });
});

describe("createRedis: per-command timeout against a server that never answers", () => {
  let hung: Server;
  let url: string;
  const sockets = new Set<Socket>();
  let received = 0;

  beforeAll(async () => {
    hung = createServer(() => {
      received++; // read the request, never answer
    });
    hung.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));
  });

  it("throws a TimeoutError within about commandTimeoutMs", async () => {
    const redis = createRedis({ url, token: "t", commandTimeoutMs: 200, retries: 0 });
    const started = performance.now();
    const error = await redis.get("k").then(
      () => undefined,
      (err: unknown) => err,
    );
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ name: "TimeoutError" });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
  });

  it("why the function form: a static signal turns a timeout into a fake value or a misleading error", async () => {
    const base = { url, token: "t", retry: { retries: 0 }, enableTelemetry: false } as const;
    // Without pipelining the client synthesizes `{ result: signal.reason }`: the timeout RESOLVES as null.
    const single = new Redis({ ...base, enableAutoPipelining: false, signal: AbortSignal.timeout(150) });
    await expect(single.get("k")).resolves.toBeNull();
    // With auto-pipelining the same fake body is not an array: `TypeError: res.map is not a function`.
    const piped = new Redis({ ...base, signal: AbortSignal.timeout(150) });
    await expect(piped.get("k")).rejects.toThrow("res.map is not a function");
  });
});

describe("createRedis: auto-pipelining (private upstash-local, exact counters)", () => {
  let redisServer: SpawnedRedis;
  let local: UpstashLocal;
  const token = `t-${randomBytes(8).toString("hex")}`;

  beforeAll(async () => {
    redisServer = await spawnRedisServer();
    local = await startUpstashLocal({ port: 0, token, redisUrl: redisServer.url });
  });
  afterAll(async () => {
    await local?.close();
    await redisServer?.stop();
  });

  it("on (default): three GETs in one tick are one HTTP request", async () => {
    const redis = createRedis({ url: local.url, token, commandTimeoutMs: 2000, retries: 0 });
    await redis.set("a", "1");
    const before = local.stats();
    const values = await Promise.all([redis.get("a"), redis.get("b"), redis.get("a")]);
    const after = local.stats();
    expect(values).toEqual([1, null, 1]);
    expect(after.httpRequests - before.httpRequests).toBe(1);
    expect(after.redisCommands - before.redisCommands).toBe(3);
  });

  it("off: one HTTP request per command", async () => {
    const redis = createRedis({ url: local.url, token, commandTimeoutMs: 2000, retries: 0, autoPipelining: false });
    const before = local.stats();
    await Promise.all([redis.get("a"), redis.get("b"), redis.get("a")]);
    expect(local.stats().httpRequests - before.httpRequests).toBe(3);
  });

  it("reads its own writes and round-trips JSON values (automaticDeserialization on)", async () => {
    const redis = createRedis({ url: local.url, token, commandTimeoutMs: 2000, retries: 0 });
    await redis.set("obj", { n: 1, s: "x" });
    await expect(redis.get("obj")).resolves.toEqual({ n: 1, s: "x" });
  });
});
