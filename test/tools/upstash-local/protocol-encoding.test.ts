/**
 * `Upstash-Encoding: base64` (spec §5): every string at every depth from raw bytes, the top-level
 * "OK" exemption only, errors never encoded; and the plain UTF-8 mode without the header.
 */
import { describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";
import { b64, directRedis, post } from "./protocol-support";

const p = uniquePrefix("enc");
const t = () => upstashTarget();

describe("base64 mode", () => {
  it("keeps a top-level OK verbatim but encodes PONG and TYPE status replies", async () => {
    expect((await post(t(), "/", ["SET", `${p}s`, "bar"], { base64: true })).text).toBe('{"result":"OK"}');
    expect((await post(t(), "/", ["PING"], { base64: true })).json).toEqual({ result: b64("PONG") });
    expect((await post(t(), "/", ["TYPE", `${p}s`], { base64: true })).json).toEqual({ result: b64("string") });
    expect((await post(t(), "/", ["GET", `${p}s`], { base64: true })).json).toEqual({ result: b64("bar") });
  });

  it("treats the header value case-insensitively", async () => {
    const res = await post(t(), "/", ["PING"], { headers: { "Upstash-Encoding": "BASE64" } });
    expect(res.json).toEqual({ result: b64("PONG") });
  });

  it("encodes OK when nested, strings at every depth, and keeps integers and nil", async () => {
    const script = "return {1, 'OK', {'a', {'b', 2}}, redis.status_reply('FINE'), false}";
    const res = await post(t(), "/", ["EVAL", script, 0], { base64: true });
    expect(res.json).toEqual({ result: [1, b64("OK"), [b64("a"), [b64("b"), 2]], b64("FINE"), null] });
    const pipe = await post(t(), "/pipeline", [["SET", `${p}k`, "v"], ["EVAL", "return {'OK'}", 0]], { base64: true });
    expect(pipe.json).toEqual([{ result: "OK" }, { result: [b64("OK")] }]);
  });

  it("never encodes error texts", async () => {
    const res = await post(t(), "/pipeline", [["LPUSH", `${p}s`, "x"]], { base64: true });
    expect(res.json).toEqual([{ error: "WRONGTYPE Operation against a key holding the wrong kind of value" }]);
  });

  it("round-trips every byte 0x00-0xff exactly", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const direct = directRedis(t().redisUrl);
    try {
      await direct.set(`${p}bin`, bytes);
      const res = await post(t(), "/", ["GET", `${p}bin`], { base64: true });
      expect(Buffer.from((res.json as { result: string }).result, "base64").equals(bytes)).toBe(true);
      const nested = await post(t(), "/", ["MGET", `${p}bin`, `${p}none`], { base64: true });
      expect(nested.json).toEqual({ result: [bytes.toString("base64"), null] });
    } finally {
      direct.disconnect();
    }
  });

  it("round-trips Unicode through raw HTTP and the real client", async () => {
    const text = "héllo wörld — 日本語 🚀 \u0000 end";
    await post(t(), "/", ["SET", `${p}u`, text]);
    expect((await post(t(), "/", ["GET", `${p}u`], { base64: true })).json).toEqual({ result: b64(text) });
    const redis = testRedis();
    await redis.set(`${p}u2`, text);
    expect(await redis.get(`${p}u2`)).toBe(text);
  });

  it("keeps integer-looking strings beyond 2^53 exact through the client", async () => {
    const redis = testRedis();
    await redis.set(`${p}bigs`, "9007199254740993");
    expect(await redis.get(`${p}bigs`)).toBe("9007199254740993");
  });
});

describe("without the encoding header", () => {
  it("returns UTF-8 strings, OK, numbers and nested arrays as plain JSON", async () => {
    await post(t(), "/", ["SET", `${p}plain`, "héllo \"quoted\" \n line"]);
    expect((await post(t(), "/", ["GET", `${p}plain`])).json).toEqual({ result: "héllo \"quoted\" \n line" });
    expect((await post(t(), "/", ["PING"])).json).toEqual({ result: "PONG" });
    const res = await post(t(), "/", ["EVAL", "return {1, 'OK', {'a'}}", 0]);
    expect(res.json).toEqual({ result: [1, "OK", ["a"]] });
  });

  it("replaces invalid UTF-8 with U+FFFD", async () => {
    const direct = directRedis(t().redisUrl);
    try {
      await direct.set(`${p}bad`, Buffer.from([0x61, 0xff, 0x62]));
      expect((await post(t(), "/", ["GET", `${p}bad`])).json).toEqual({ result: "a\ufffdb" });
    } finally {
      direct.disconnect();
    }
  });

  it("works with the real client's responseEncoding: false", async () => {
    const redis = new Redis({ url: t().url, token: t().token, responseEncoding: false, retry: { retries: 0 }, enableTelemetry: false });
    await redis.hset(`${p}h`, { f1: "v1", f2: 2 });
    expect(await redis.hgetall(`${p}h`)).toEqual({ f1: "v1", f2: 2 });
  });
});
