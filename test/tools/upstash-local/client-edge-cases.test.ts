/**
 * Values at the edges of the JSON/base64 transport, through the real @upstash/redis client and upstash-local:
 * Unicode and binary bytes, strings that look like JSON (the client's automatic deserialization), integers
 * beyond 2^53, non-string arguments. Stored bytes are checked directly in Redis with ioredis.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Redis as IORedis } from "ioredis";
import { realRedis, type ClientOverrides } from "./client-modes";
import { testRedis, uniquePrefix, upstashTarget } from "../../setup/redis";

const prefix = uniquePrefix("edge");
const key = (name: string) => `${prefix}${name}`;
const direct = new IORedis(upstashTarget().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });

afterAll(async () => {
  direct.disconnect();
});

const unicodeValues: [label: string, value: string][] = [
  ["emoji with modifiers and flags", "😀 👍🏽 🇫🇷 👨‍👩‍👧"],
  ["CJK, kana and hangul", "漢字 かな カナ 한국어"],
  ["combining marks (NFD stays NFD)", "e\u0301 a\u0308 n\u0303"],
  ["precomposed (NFC stays NFC)", "é ä ñ"],
  ["a NUL byte inside", "before\u0000after"],
  ["control characters", "tab\there\r\nnew line \u0007 bell"],
  ["quotes and backslashes", 'say "hi" \\ and \\n literally'],
  ["right-to-left text", "שלום مرحبا"],
];

describe.each<[string, ClientOverrides]>([
  ["base64 responses (default)", {}],
  ["UTF-8 JSON responses (responseEncoding: false)", { responseEncoding: false }],
])("Unicode and binary values, %s", (mode, overrides) => {
  const redis = realRedis(overrides);
  const ns = mode.startsWith("base64") ? "b64" : "utf8";

  it.each(unicodeValues)("round-trips %s exactly, stored as UTF-8 bytes", async (label, value) => {
    const k = key(`${ns}:${label}`);
    expect(await redis.set(k, value)).toBe("OK");
    expect(await redis.get(k)).toBe(value);
    expect(await redis.strlen(k)).toBe(Buffer.byteLength(value, "utf8"));
    expect((await direct.getBuffer(k))?.equals(Buffer.from(value, "utf8"))).toBe(true);
  });

  it("round-trips Unicode keys, hash fields, list elements and set members", async () => {
    const k = key(`${ns}:ключ:😀:键`);
    await redis.set(k, "v");
    expect(await redis.get(k)).toBe("v");
    await redis.hset(key(`${ns}:h`), { "поле 😀": "значение 漢字" });
    expect(await redis.hgetall(key(`${ns}:h`))).toEqual({ "поле 😀": "значение 漢字" });
    await redis.rpush(key(`${ns}:l`), "α", "β\u0000γ");
    expect(await redis.lrange(key(`${ns}:l`), 0, -1)).toEqual(["α", "β\u0000γ"]);
    const found: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, keys]: [string, string[]] = await redis.scan(cursor, { match: `${prefix}${ns}:ключ:*`, count: 1000 });
      found.push(...keys);
      cursor = next;
    } while (String(cursor) !== "0");
    expect(found).toEqual([k]);
  });

  it("replaces bytes that are not valid UTF-8 with U+FFFD (JSON strings cannot carry them)", async () => {
    const k = key(`${ns}:invalid-utf8`);
    await direct.set(k, Buffer.from([0x66, 0xff, 0xfe, 0x6f]));
    expect(await redis.get(k)).toBe("f\uFFFD\uFFFDo");
    expect(await redis.strlen(k)).toBe(4);
  });

  it("round-trips a 1 MB value", async () => {
    const value = "漢字😀ab".repeat(100_000);
    const k = key(`${ns}:big`);
    await redis.set(k, value);
    expect(await redis.get(k)).toBe(value);
  });
});

describe("strings that look like JSON", () => {
  const auto = testRedis();
  const raw = realRedis({ automaticDeserialization: false });

  // value stored -> what GET returns by default (the client JSON-parses every string reply it can, except
  // numbers whose JS rendering differs from the text) -> with automaticDeserialization: false, always the text
  const cases: [stored: string, byDefault: unknown][] = [
    ["123", 123],
    ["-7", -7],
    ["true", true],
    ["false", false],
    ["null", null],
    ['{"a":1}', { a: 1 }],
    ["[1,2]", [1, 2]],
    ['"quoted"', "quoted"],
    ["1.50", "1.50"],
    ["1e3", "1e3"],
    ["007", "007"],
    ["-0", "-0"],
    ["9007199254740993", "9007199254740993"],
    ["not json", "not json"],
  ];

  it.each(cases)("GET of the stored text %j returns %j by default, the exact text without deserialization", async (stored, byDefault) => {
    const k = key(`json-like:${stored}`);
    await raw.set(k, stored);
    expect(await direct.get(k)).toBe(stored);
    expect(await auto.get(k)).toEqual(byDefault);
    expect(await raw.get(k)).toBe(stored);
  });

  it("a stored 'null' is indistinguishable from a missing key by default", async () => {
    await raw.set(key("json-like:null-vs-missing"), "null");
    expect(await auto.get(key("json-like:null-vs-missing"))).toBeNull();
    expect(await auto.get(key("json-like:really-missing"))).toBeNull();
    expect(await raw.get(key("json-like:null-vs-missing"))).toBe("null");
    expect(await raw.get(key("json-like:really-missing"))).toBeNull();
  });
});

describe("non-string arguments", () => {
  const redis = testRedis();

  it("numbers and booleans reach Redis as their JavaScript text", async () => {
    await redis.mset({ [key("arg:int")]: 42, [key("arg:float")]: 0.1 + 0.2, [key("arg:huge")]: 1e21, [key("arg:bool")]: false });
    expect(await direct.mget(key("arg:int"), key("arg:float"), key("arg:huge"), key("arg:bool"))).toEqual([
      "42",
      "0.30000000000000004",
      "1e+21",
      "false",
    ]);
    expect(await redis.get(key("arg:float"))).toBe(0.30000000000000004);
    expect(await redis.get(key("arg:bool"))).toBe(false);
  });

  it("null is serialized by the client as the text 'null'", async () => {
    await redis.set(key("arg:null"), null);
    expect(await direct.get(key("arg:null"))).toBe("null");
  });

  it("an undefined argument arrives as JSON null and reaches Redis as an empty string", async () => {
    await redis.set(key("arg:undefined"), undefined);
    expect(await direct.get(key("arg:undefined"))).toBe("");
  });
});

describe("integers beyond 2^53", () => {
  const redis = testRedis();

  it("returns the exact string for integers beyond 2^53 stored as strings", async () => {
    await redis.set(key("big"), "9007199254740992");
    // INCRBY's reply is a RESP integer, sent as a JSON number: JavaScript rounds 9007199254740993 to 2^53.
    const reply = await redis.incrby(key("big"), 1);
    expect(reply).toBe(2 ** 53);
    expect(Number.isSafeInteger(reply)).toBe(false);
    // The stored value is exact, and GET (a bulk string) returns it exactly as a string.
    expect(await direct.get(key("big"))).toBe("9007199254740993");
    expect(await redis.get(key("big"))).toBe("9007199254740993");
    expect(await redis.mget(key("big"))).toEqual(["9007199254740993"]);
  });

  it("reaches the int64 limit exactly and then fails with the Redis overflow error", async () => {
    await redis.set(key("int64"), "9223372036854775806");
    await redis.incr(key("int64"));
    expect(await redis.get(key("int64"))).toBe("9223372036854775807");
    await expect(redis.incr(key("int64"))).rejects.toThrow("ERR increment or decrement would overflow");
  });

  it("keeps safe integers as numbers", async () => {
    await redis.set(key("safe"), String(Number.MAX_SAFE_INTEGER));
    expect(await redis.get(key("safe"))).toBe(Number.MAX_SAFE_INTEGER);
  });
});
