/**
 * Pub/Sub over SSE (spec §10): `/subscribe/<ch>` and `/psubscribe/<pat>` through the real
 * client's `subscribe()` / `psubscribe()` and raw fetch; the dedicated subscriber connection is
 * released when the HTTP client goes away (`PUBSUB NUMSUB` back to 0).
 */
import { afterAll, describe, expect, it } from "vitest";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";
import { directRedis, waitFor } from "./protocol-support";

const p = uniquePrefix("sse");
const t = () => upstashTarget();
const direct = directRedis(t().redisUrl);
afterAll(() => direct.disconnect());

async function numsub(channel: string): Promise<number> {
  const reply = (await direct.pubsub("NUMSUB", channel)) as [string, number];
  return Number(reply[1]);
}

async function numpat(): Promise<number> {
  return Number(await direct.pubsub("NUMPAT"));
}

/** Opens a raw SSE request and collects `data:` lines as they arrive. */
async function openStream(path: string) {
  const controller = new AbortController();
  const res = await fetch(t().url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${t().token}`, accept: "text/event-stream", "content-type": "application/json" },
    body: "[]",
    signal: controller.signal,
  });
  const lines: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        for (const line of parts) if (line.startsWith("data: ")) lines.push(line.slice(6));
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    }
  })();
  return { res, lines, close: () => controller.abort(), pump };
}

describe("SSE subscriptions", () => {
  it("streams subscribe and message lines over raw fetch, payload as raw UTF-8", async () => {
    const channel = `${p}raw`;
    const stream = await openStream(`/subscribe/${channel}`);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toBe("text/event-stream");
    expect(await waitFor(async () => stream.lines.length >= 1, 2000)).toBe(true);
    expect(stream.lines[0]).toBe(`subscribe,${channel},1`);
    await direct.publish(channel, "hello, wörld");
    await direct.publish(channel, '{"a":1}');
    expect(await waitFor(async () => stream.lines.length >= 3, 2000)).toBe(true);
    expect(stream.lines.slice(1)).toEqual([`message,${channel},hello, wörld`, `message,${channel},{"a":1}`]);
    stream.close();
    await stream.pump;
    expect(await waitFor(async () => (await numsub(channel)) === 0, 2000)).toBe(true);
  });

  it("decodes a URL-encoded channel segment and streams psubscribe/pmessage", async () => {
    const pattern = `${p}user:*`;
    const stream = await openStream(`/psubscribe/${encodeURIComponent(pattern)}`);
    expect(await waitFor(async () => stream.lines.length >= 1, 2000)).toBe(true);
    expect(stream.lines[0]).toBe(`psubscribe,${pattern},1`);
    await direct.publish(`${p}user:42`, "hi");
    expect(await waitFor(async () => stream.lines.length >= 2, 2000)).toBe(true);
    expect(stream.lines[1]).toBe(`pmessage,${pattern},${p}user:42,hi`);
    const patternsBefore = await numpat();
    stream.close();
    await stream.pump;
    expect(await waitFor(async () => (await numpat()) === patternsBefore - 1, 2000)).toBe(true);
  });

  it("works with the real client's subscribe(); PUBLISH is a normal command", async () => {
    const redis = testRedis();
    const channel = `${p}client`;
    const sub = redis.subscribe<{ n: number } | string>([channel]);
    const received: unknown[] = [];
    sub.on("message", ({ message }) => received.push(message));
    expect(await waitFor(async () => (await numsub(channel)) === 1, 3000)).toBe(true);
    expect(await redis.publish(channel, { n: 1 })).toBe(1);
    expect(await redis.publish(channel, "plain text")).toBe(1);
    expect(await waitFor(async () => received.length >= 2, 2000)).toBe(true);
    expect(received).toEqual([{ n: 1 }, "plain text"]);
    await sub.unsubscribe();
    expect(await waitFor(async () => (await numsub(channel)) === 0, 2000)).toBe(true);
  });

  // The client JSON.parses pmessage payloads without a fallback, so this one publishes JSON.
  it("works with the real client's psubscribe()", async () => {
    const redis = testRedis();
    const sub = redis.psubscribe<{ x: number }>([`${p}room:*`]);
    const received: Array<{ pattern: string; channel: string; message: unknown }> = [];
    sub.on("pmessage", (event) => received.push(event));
    expect(await waitFor(async () => (await direct.publish(`${p}room:1`, '{"x":1}')) === 1, 3000)).toBe(true);
    expect(await waitFor(async () => received.length >= 1, 2000)).toBe(true);
    expect(received[0]).toEqual({ pattern: `${p}room:*`, channel: `${p}room:1`, message: { x: 1 } });
    await sub.unsubscribe();
  });

  it("cleans up subscriber connections for many opened-and-aborted streams", async () => {
    const channel = `${p}churn`;
    const streams = await Promise.all(Array.from({ length: 10 }, () => openStream(`/subscribe/${channel}`)));
    expect(await waitFor(async () => (await numsub(channel)) === 10, 3000)).toBe(true);
    for (const s of streams) s.close();
    await Promise.all(streams.map((s) => s.pump));
    expect(await waitFor(async () => (await numsub(channel)) === 0, 3000)).toBe(true);
  });
});
