import { afterAll, describe, expect, it } from "vitest";
import { KitError } from "@/lib/errors";
import {
  createKeys,
  DEFAULT_TTLS,
  encodeKeyPart,
  KEY_FAMILIES,
  MAX_KEY_PART_BYTES,
  type KeyFamily,
  type Keys,
} from "@/lib/keys";
import { testRedis, uniquePrefix } from "../../setup/redis";

const keys = createKeys("kit");

/** Inputs that try to glob, add segments, forge families or collide after encoding. */
const NASTY = [
  "*", "?", "[a-z]", "\\", ":", "a:b", "a%3Ab", "{tag}", "with space", "%", "100%",
  "x:lock:y", "kit:lock:x", "lock", "cache-stats", "\u0000\n\t", "ü", "u\u0308", "🚀", "日本",
];

/** Sample keys of every family, built from benign and hostile parts; `Record` makes it exhaustive. */
function samplesByFamily(k: Keys): Record<KeyFamily, string[]> {
  const each = <T>(fn: (part: string) => T): T[] => ["plain", ...NASTY].map(fn);
  return {
    cache: [...each((p) => k.cache(p, p)), ...each((p) => k.cache("ns", p, 7))],
    "cache-tag": each((p) => k.cacheTag(p)),
    "cache-ns": each((p) => k.cacheNamespaceVersion(p)),
    "cache-stats": [k.cacheStats()],
    // What @upstash/ratelimit writes under the prefix we hand it.
    ratelimit: each((p) => k.rateLimit(p, p)).flatMap((prefix) => [
      `${prefix}:_:28333333`,
      `${prefix}:dynamic:global`,
      `${prefix}:denyList:all`,
      `${prefix}:ipDenyListStatus`,
      `${prefix}:events:1700000000000`,
    ]),
    lock: each((p) => k.lock(p)),
    "lock-fence": each((p) => k.lockFence(p)),
    dedupe: each((p) => k.dedupe(p, p)),
    idempotency: each((p) => k.idempotency(p, p)),
    queue: each((p) => k.queueStream(p)),
    "queue-delayed": each((p) => k.queueDelayed(p)),
    "queue-dead": each((p) => k.queueDeadLetter(p)),
    "queue-job": each((p) => k.queueJob(p)),
    "queue-dedupe": each((p) => k.queueDedupe(p, p)),
    session: each((p) => k.session(p, p)),
    counter: each((p) => k.counter(p)),
    "counter-minute": each((p) => k.counterMinute(p, 28333333)),
    flags: [k.flags()],
  };
}

/** Redis glob semantics for the patterns we produce (literal text, optionally ending in `*`). */
function globMatches(pattern: string, key: string): boolean {
  expect(pattern.replace(/\*$/, "")).not.toMatch(/[*?[\]\\]/);
  return pattern.endsWith("*") ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

describe("key shapes (prefix kit)", () => {
  it("pins every builder", () => {
    expect({
      cache: keys.cache("users", "42"),
      cacheVersioned: keys.cache("users", "42", 3),
      cacheTag: keys.cacheTag("user:42"),
      cacheNamespaceVersion: keys.cacheNamespaceVersion("users"),
      cacheStats: keys.cacheStats(),
      rateLimit: keys.rateLimit("orders", "ip:203.0.113.7"),
      lock: keys.lock("ingest-permits"),
      lockFence: keys.lockFence("ingest-permits"),
      dedupe: keys.dedupe("permits", "P-2024-001"),
      idempotency: keys.idempotency("orders", "5f1c2a9e-idem"),
      queueStream: keys.queueStream("default"),
      queueDelayed: keys.queueDelayed("default"),
      queueDeadLetter: keys.queueDeadLetter("default"),
      queueJob: keys.queueJob("1700000000000-0"),
      queueDedupe: keys.queueDedupe("default", "order-1"),
      session: keys.session("upload", "s_81f"),
      counter: keys.counter("requests"),
      counterMinute: keys.counterMinute("requests", 28_333_333),
      flags: keys.flags(),
    }).toEqual({
      cache: "kit:cache:users:42",
      cacheVersioned: "kit:cache:users@3:42",
      cacheTag: "kit:cache-tag:user%3A42",
      cacheNamespaceVersion: "kit:cache-ns:users",
      cacheStats: "kit:cache-stats",
      rateLimit: "kit:ratelimit:orders:ip%3A203.0.113.7",
      lock: "kit:lock:ingest-permits",
      lockFence: "kit:lock-fence:ingest-permits",
      dedupe: "kit:dedupe:permits:P-2024-001",
      idempotency: "kit:idempotency:orders:5f1c2a9e-idem",
      queueStream: "kit:queue:default",
      queueDelayed: "kit:queue-delayed:default",
      queueDeadLetter: "kit:queue-dead:default",
      queueJob: "kit:queue-job:1700000000000-0",
      queueDedupe: "kit:queue-dedupe:default:order-1",
      session: "kit:session:upload:s_81f",
      counter: "kit:counter:requests",
      counterMinute: "kit:counter-minute:requests:28333333",
      flags: "kit:flags",
    });
  });

  it("pins every family prefix and scan pattern", () => {
    expect(Object.fromEntries(KEY_FAMILIES.map((f) => [f, [keys.family(f), keys.scanPattern(f)]]))).toEqual({
      cache: ["kit:cache:", "kit:cache:*"],
      "cache-tag": ["kit:cache-tag:", "kit:cache-tag:*"],
      "cache-ns": ["kit:cache-ns:", "kit:cache-ns:*"],
      "cache-stats": ["kit:cache-stats", "kit:cache-stats"],
      ratelimit: ["kit:ratelimit:", "kit:ratelimit:*"],
      lock: ["kit:lock:", "kit:lock:*"],
      "lock-fence": ["kit:lock-fence:", "kit:lock-fence:*"],
      dedupe: ["kit:dedupe:", "kit:dedupe:*"],
      idempotency: ["kit:idempotency:", "kit:idempotency:*"],
      queue: ["kit:queue:", "kit:queue:*"],
      "queue-delayed": ["kit:queue-delayed:", "kit:queue-delayed:*"],
      "queue-dead": ["kit:queue-dead:", "kit:queue-dead:*"],
      "queue-job": ["kit:queue-job:", "kit:queue-job:*"],
      "queue-dedupe": ["kit:queue-dedupe:", "kit:queue-dedupe:*"],
      session: ["kit:session:", "kit:session:*"],
      counter: ["kit:counter:", "kit:counter:*"],
      "counter-minute": ["kit:counter-minute:", "kit:counter-minute:*"],
      flags: ["kit:flags", "kit:flags"],
    });
  });

  it("uses the configured prefix, and accepts a test harness prefix with a trailing colon", () => {
    expect(createKeys("shop_eu-1").lock("x")).toBe("shop_eu-1:lock:x");
    const harness = createKeys("t:3f9a1c0b:");
    expect(harness.prefix).toBe("t:3f9a1c0b");
    expect(harness.lock("x")).toBe("t:3f9a1c0b:lock:x");
    expect(harness.scanPattern("lock")).toBe("t:3f9a1c0b:lock:*");
  });

  it.each(["", ":", "kit*", "k?t", "a b", "a::b", "[kit]", "kit/x", "x".repeat(65)])("refuses the prefix %j", (prefix) => {
    expect(() => createKeys(prefix)).toThrow(expect.objectContaining({ code: "E_INVALID_KEY_PART" }));
  });
});

describe("families never collide", () => {
  const samples = samplesByFamily(keys);

  it("every family's pattern matches all of its own keys", () => {
    for (const family of KEY_FAMILIES) {
      for (const key of samples[family]) expect(globMatches(keys.scanPattern(family), key), key).toBe(true);
    }
  });

  it("no key of one family matches (or starts with) another family's pattern", () => {
    for (const a of KEY_FAMILIES) {
      for (const b of KEY_FAMILIES) {
        if (a === b) continue;
        for (const key of samples[a]) {
          expect(globMatches(keys.scanPattern(b), key), `${key} vs ${b}`).toBe(false);
          expect(key.startsWith(keys.family(b)), `${key} vs ${b}`).toBe(false);
        }
      }
    }
  });

  it("distinct inputs give distinct keys across all builders", () => {
    const all = Object.values(samples).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it("a part cannot add a segment", () => {
    expect(keys.dedupe("a:b", "c")).not.toBe(keys.dedupe("a", "b:c"));
    expect(keys.cache("ns:k", "v")).toBe("kit:cache:ns%3Ak:v");
    expect(keys.cache("ns", "k:v")).toBe("kit:cache:ns:k%3Av");
  });

  it("a part cannot forge another family (no `:lock:` injection)", () => {
    const forged = [keys.cache("x", "y:lock:z"), keys.session("kit:lock", "z"), keys.counter(":lock:ingest-permits")];
    expect(forged).toEqual(["kit:cache:x:y%3Alock%3Az", "kit:session:kit%3Alock:z", "kit:counter:%3Alock%3Aingest-permits"]);
    for (const key of forged) {
      expect(key).not.toContain(":lock:");
      expect(globMatches(keys.scanPattern("lock"), key)).toBe(false);
    }
  });

  it("a namespace version cannot be forged with `@` in the namespace", () => {
    expect(keys.cache("users@3", "42")).toBe("kit:cache:users%403:42");
    expect(keys.cache("users@3", "42")).not.toBe(keys.cache("users", "42", 3));
  });

  it("everything @upstash/ratelimit writes stays under its own policy and identity", () => {
    const suffixes = [":_:28333333", ":dynamic:global", ":denyList:all", ":ipDenyListStatus", ":events:1"];
    const identities = ["1.2.3.4", "1.2.3.4:dynamic", "dynamic", "denyList", "*", "1.2.3.4:_"];
    for (const a of identities) {
      for (const suffix of suffixes) {
        const written = keys.rateLimit("orders", a) + suffix;
        for (const b of identities) {
          expect(written.startsWith(`${keys.rateLimit("orders", b)}:`), `${written} vs ${b}`).toBe(a === b);
        }
        expect(written.startsWith(`${keys.rateLimit("orders-2", a)}:`)).toBe(false);
      }
    }
  });
});

describe("encoding of caller-supplied parts", () => {
  it.each([
    ["a:b", "a%3Ab"],
    ["a%3Ab", "a%253Ab"],
    ["100%", "100%25"],
    ["*", "%2A"],
    ["?[]", "%3F%5B%5D"],
    ["\\", "%5C"],
    ["{tag}", "%7Btag%7D"],
    ["with space", "with%20space"],
    ["\u0000\n\t\u007f", "%00%0A%09%7F"],
    ["ü", "%C3%BC"],
    ["u\u0308", "u%CC%88"],
    ["🚀", "%F0%9F%9A%80"],
    ["日本", "%E6%97%A5%E6%9C%AC"],
    ["A-z_0.9~", "A-z_0.9~"],
  ])("%j → %s", (input, encoded) => {
    expect(encodeKeyPart(input)).toBe(encoded);
  });

  it("`a:b` and `a%3Ab` are different keys", () => {
    expect(keys.lock("a:b")).toBe("kit:lock:a%3Ab");
    expect(keys.lock("a%3Ab")).toBe("kit:lock:a%253Ab");
  });

  it("NFC and NFD spellings stay distinct (no silent normalisation)", () => {
    expect(keys.lock("ü")).not.toBe(keys.lock("u\u0308"));
  });

  it("encoded parts contain no separator, glob or hash-tag character", () => {
    for (const part of NASTY) expect(encodeKeyPart(part)).toMatch(/^[A-Za-z0-9._~%-]+$/);
  });

  it("is prefix-preserving, so `cache(ns, p) + '*'` is a safe pattern for keys starting with p", () => {
    const pattern = `${keys.cache("ns", "user:1")}*`;
    expect(globMatches(pattern, keys.cache("ns", "user:12"))).toBe(true);
    expect(globMatches(pattern, keys.cache("ns", "user:2"))).toBe(false);
    expect(globMatches(`${keys.cache("ns", "*")}*`, keys.cache("ns", "anything"))).toBe(false);
  });
});

describe("invalid parts throw E_INVALID_KEY_PART", () => {
  const code = expect.objectContaining({ code: "E_INVALID_KEY_PART" });
  const builders: Array<[string, (part: string) => string]> = [
    ["cache(namespace)", (p) => keys.cache(p, "k")],
    ["cache(key)", (p) => keys.cache("ns", p)],
    ["cacheTag", (p) => keys.cacheTag(p)],
    ["cacheNamespaceVersion", (p) => keys.cacheNamespaceVersion(p)],
    ["rateLimit(policy)", (p) => keys.rateLimit(p, "id")],
    ["rateLimit(identity)", (p) => keys.rateLimit("policy", p)],
    ["lock", (p) => keys.lock(p)],
    ["lockFence", (p) => keys.lockFence(p)],
    ["dedupe", (p) => keys.dedupe("scope", p)],
    ["idempotency", (p) => keys.idempotency("scope", p)],
    ["queueStream", (p) => keys.queueStream(p)],
    ["queueDelayed", (p) => keys.queueDelayed(p)],
    ["queueDeadLetter", (p) => keys.queueDeadLetter(p)],
    ["queueJob", (p) => keys.queueJob(p)],
    ["queueDedupe", (p) => keys.queueDedupe("q", p)],
    ["session", (p) => keys.session("upload", p)],
    ["counter", (p) => keys.counter(p)],
    ["counterMinute", (p) => keys.counterMinute(p, 1)],
  ];

  it.each(builders)("%s refuses an empty part", (_name, build) => {
    expect(() => build("")).toThrow(code);
  });

  it.each(builders)("%s refuses a part over 512 encoded bytes", (_name, build) => {
    expect(() => build("a".repeat(MAX_KEY_PART_BYTES + 1))).toThrow(code);
  });

  it("counts the encoded length, not the input length", () => {
    expect(encodeKeyPart("a".repeat(512))).toHaveLength(512);
    expect(encodeKeyPart("ü".repeat(85))).toHaveLength(510); // 6 encoded bytes each
    expect(() => encodeKeyPart("ü".repeat(86))).toThrow(code);
    expect(() => encodeKeyPart("🚀".repeat(43))).toThrow(code); // 12 encoded bytes each
  });

  it("refuses an unpaired surrogate (it would collide with U+FFFD)", () => {
    expect(() => keys.lock("\uD800")).toThrow(code);
    expect(() => keys.lock("a\uDC00b")).toThrow(code);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses the integer part %s", (n) => {
    expect(() => keys.counterMinute("requests", n)).toThrow(code);
    expect(() => keys.cache("ns", "k", n)).toThrow(code);
  });

  it("names the argument but never echoes the value", () => {
    const secretish = `${"idem-key-secret-".repeat(40)}`;
    try {
      keys.idempotency("orders", secretish);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KitError);
      expect((error as KitError).message).toContain("idempotency(key)");
      expect(`${(error as KitError).message}${JSON.stringify((error as KitError).context)}`).not.toContain("idem-key-secret");
    }
  });
});

describe("against real Redis: SCAN MATCH by family", () => {
  const redis = testRedis();
  const live = createKeys(uniquePrefix("keys"));
  const samples = samplesByFamily(live);
  const written = Object.values(samples).flat();

  afterAll(async () => {
    await redis.del(...written);
  });

  async function scanAll(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, { match: pattern, count: 1000 });
      found.push(...batch);
      cursor = String(next);
    } while (cursor !== "0");
    return found.sort();
  }

  it("each family's pattern finds exactly that family's keys", async () => {
    await redis.mset(Object.fromEntries(written.map((key) => [key, 1])));
    for (const family of KEY_FAMILIES) {
      expect(await scanAll(live.scanPattern(family)), family).toEqual([...new Set(samples[family])].sort());
    }
  });

  it("a `*` in a part matches only itself", async () => {
    await redis.mset({ [live.lock("a1")]: 1, [live.lock("a*")]: 1 });
    written.push(live.lock("a1"), live.lock("a*"));
    expect(await scanAll(live.lock("a*"))).toEqual([live.lock("a*")]);
  });
});

describe("DEFAULT_TTLS", () => {
  it("pins every default lifetime, units in the names", () => {
    expect(DEFAULT_TTLS).toEqual({
      cache: {
        defaultSeconds: 300,
        profileSeconds: { users: 300, profiles: 180, posts: 60, messages: 30, notifications: 30, static: 3600, categories: 3600 },
      },
      rateLimit: "managed-by-limiter",
      lock: { jobLeaseMs: 300_000, requestLeaseMs: 15_000 },
      dedupe: { seenSeconds: 7_776_000 }, // 90 days
      idempotency: { retentionSeconds: 86_400, inFlightLeaseMs: 60_000 },
      queue: { jobStatusSeconds: 604_800 }, // 7 days
      session: { defaultSeconds: 900, minSeconds: 900, maxSeconds: 86_400 },
      counter: { minuteBucketSeconds: 7200 },
      flag: "persistent",
    });
  });
});
