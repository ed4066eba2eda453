/**
 * Pub/Sub through the real @upstash/redis client: `redis.subscribe()` / `redis.psubscribe()` open
 * `POST /subscribe/<channel>` / `POST /psubscribe/<pattern>` Server-Sent Event streams on upstash-local;
 * PUBLISH is an ordinary command. Unsubscribing aborts the stream, and the server must then drop the Redis
 * subscription (PUBLISH's receiver count falls back to 0).
 */
import { describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { realRedis } from "./client-modes";
import { testRedis, uniquePrefix } from "../../setup/redis";

const prefix = uniquePrefix("pubsub");
const publisher = testRedis();

type Subscriber = ReturnType<Redis["subscribe"]>;

/** Resolves once the subscription is confirmed by the server (the `subscribe`/`psubscribe` event). */
function confirmed(sub: Subscriber, event: "subscribe" | "psubscribe", count = 1): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`no ${event} confirmation within 5 s`)), 5_000);
    sub.on(event, () => {
      if (++seen >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
    sub.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("subscribe()", () => {
  it("receives every message in publish order, deserialized, until unsubscribe stops delivery", async () => {
    const channel = `${prefix}orders`;
    const sub = testRedis().subscribe(channel);
    const ready = confirmed(sub, "subscribe");
    const received: unknown[] = [];
    const channels = new Set<string>();
    sub.on("message", ({ channel: from, message }) => {
      channels.add(from);
      received.push(message);
    });
    await ready;

    const sent: unknown[] = [];
    for (let i = 0; i < 25; i++) {
      const message = i % 3 === 0 ? { n: i, text: `order ${i}` } : i % 3 === 1 ? `plain ${i}` : i;
      sent.push(message);
      expect(await publisher.publish(channel, message)).toBe(1);
    }
    await waitFor(() => received.length === sent.length, "25 messages");
    expect(received).toEqual(sent);
    expect([...channels]).toEqual([channel]);

    await sub.unsubscribe();
    // the server notices the aborted stream and unsubscribes its Redis connection
    await waitFor(async () => (await publisher.publish(channel, "probe")) === 0, "PUBLISH to reach 0 receivers");
    const countAfter = received.length;
    await publisher.publish(channel, "after unsubscribe");
    await sleep(200);
    expect(received).toHaveLength(countAfter);
  });

  it("delivers payloads with commas, Unicode and JSON-looking text", async () => {
    const channel = `${prefix}payloads`;
    const sub = testRedis().subscribe(channel);
    const ready = confirmed(sub, "subscribe");
    const received: unknown[] = [];
    sub.on("message", ({ message }) => received.push(message));
    await ready;

    await publisher.publish(channel, "hello, world, again");
    await publisher.publish(channel, "漢字 😀 e\u0301");
    await publisher.publish(channel, { nested: { list: [1, "two"] } });
    await publisher.publish(channel, "42");
    await waitFor(() => received.length === 4, "4 messages");
    expect(received).toEqual(["hello, world, again", "漢字 😀 e\u0301", { nested: { list: [1, "two"] } }, 42]);
    await sub.unsubscribe();
  });

  it("subscribes to several channels with per-channel listeners", async () => {
    const a = `${prefix}multi:a`;
    const b = `${prefix}multi:b`;
    const sub = testRedis().subscribe([a, b]);
    const ready = confirmed(sub, "subscribe", 2);
    const onA: unknown[] = [];
    const all: [string, unknown][] = [];
    sub.on(`message:${a}`, ({ message }) => onA.push(message));
    sub.on("message", ({ channel, message }) => all.push([channel, message]));
    await ready;
    expect(sub.getSubscribedChannels().sort()).toEqual([a, b].sort());

    await publisher.publish(a, "to-a-1");
    await publisher.publish(b, "to-b-1");
    await publisher.publish(a, "to-a-2");
    await waitFor(() => all.length === 3, "3 messages");
    expect(onA).toEqual(["to-a-1", "to-a-2"]);
    expect(all.filter(([c]) => c === b)).toEqual([[b, "to-b-1"]]);

    // unsubscribing one channel keeps the other
    await sub.unsubscribe([a]);
    await waitFor(async () => (await publisher.publish(a, "probe")) === 0, "channel a to have 0 receivers");
    expect(await publisher.publish(b, "to-b-2")).toBe(1);
    await waitFor(() => all.length === 4, "the 4th message");
    expect(all.at(-1)).toEqual([b, "to-b-2"]);
    await sub.unsubscribe();
  });

  it("with automaticDeserialization: false, messages are the raw text", async () => {
    const channel = `${prefix}raw`;
    const sub = realRedis({ automaticDeserialization: false }).subscribe(channel);
    const ready = confirmed(sub, "subscribe");
    const received: unknown[] = [];
    sub.on("message", ({ message }) => received.push(message));
    await ready;
    await publisher.publish(channel, { a: 1 });
    await publisher.publish(channel, "123");
    await waitFor(() => received.length === 2, "2 messages");
    expect(received).toEqual(['{"a":1}', "123"]);
    await sub.unsubscribe();
  });
});

describe("psubscribe()", () => {
  it("receives pmessage events with the pattern, the concrete channel and the message, in order", async () => {
    const pattern = `${prefix}user:*`;
    const sub = testRedis().psubscribe(pattern);
    const ready = confirmed(sub, "psubscribe");
    const received: { pattern: string; channel: string; message: unknown }[] = [];
    sub.on("pmessage", (event) => received.push(event));
    await ready;

    expect(await publisher.publish(`${prefix}user:42`, { a: 1 })).toBe(1);
    expect(await publisher.publish(`${prefix}user:7`, 7)).toBe(1);
    expect(await publisher.publish(`${prefix}other:1`, "not matched")).toBe(0);
    await waitFor(() => received.length === 2, "2 pattern messages");
    expect(received).toEqual([
      { pattern, channel: `${prefix}user:42`, message: { a: 1 } },
      { pattern, channel: `${prefix}user:7`, message: 7 },
    ]);

    await sub.unsubscribe();
    await waitFor(async () => (await publisher.publish(`${prefix}user:1`, "probe")) === 0, "0 pattern receivers");
    await sleep(100);
    expect(received).toHaveLength(2);
  });
});

describe("psubscribe() payloads that are not JSON", () => {
  // @upstash/redis 1.39.0 JSON.parses pmessage payloads without the fallback it uses for plain messages, so a
  // non-JSON text on a pattern subscription surfaces as an "error" event; automaticDeserialization: false avoids it.
  it("surface as an 'error' event by default, and arrive as text with automaticDeserialization: false", async () => {
    const pattern = `${prefix}text:*`;
    const parsed = testRedis().psubscribe(pattern);
    const raw = realRedis({ automaticDeserialization: false }).psubscribe(pattern);
    const parsedReady = confirmed(parsed, "psubscribe");
    const rawReady = confirmed(raw, "psubscribe");
    const errors: Error[] = [];
    const rawMessages: unknown[] = [];
    await Promise.all([parsedReady, rawReady]);
    parsed.on("error", (error) => errors.push(error));
    raw.on("pmessage", ({ channel, message }) => rawMessages.push([channel, message]));

    expect(await publisher.publish(`${prefix}text:1`, "plain words, with a comma")).toBe(2);
    await waitFor(() => rawMessages.length === 1 && errors.length === 1, "the raw message and the parse error");
    expect(rawMessages).toEqual([[`${prefix}text:1`, "plain words, with a comma"]]);
    expect(errors[0]!.message).toMatch(/Failed to parse message/);
    await Promise.all([parsed.unsubscribe(), raw.unsubscribe()]);
  });
});

describe("many subscribers", () => {
  it("fans one message out to 20 concurrent subscriptions and releases all of them", async () => {
    const channel = `${prefix}fanout`;
    const subs = Array.from({ length: 20 }, () => testRedis().subscribe(channel));
    const inbox = subs.map(() => [] as unknown[]);
    const ready = subs.map((sub, i) => {
      const r = confirmed(sub, "subscribe");
      sub.on("message", ({ message }) => inbox[i]!.push(message));
      return r;
    });
    await Promise.all(ready);
    expect(await publisher.publish(channel, "broadcast")).toBe(20);
    await waitFor(() => inbox.every((m) => m.length === 1), "every subscriber to get the message");
    expect(inbox.every((m) => m[0] === "broadcast")).toBe(true);
    await Promise.all(subs.map((s) => s.unsubscribe()));
    await waitFor(async () => (await publisher.publish(channel, "probe")) === 0, "all 20 subscriptions to be released");
  });
});
