/**
 * Every registered script's pinned SHA-1 must equal the hash of its source text and the server's
 * `SCRIPT LOAD` answer; otherwise every EVALSHA would miss and double the round trips.
 * Plus the behaviour of the foundation's own scripts against the real server.
 */
import { afterAll, describe, expect, it } from "vitest";
import { COMPARE_AND_DELETE, runScript, scriptSha1 } from "@/lib/redis";
import { scriptRegistry } from "@/lib/redis/script-registry";
import { testRedis, uniquePrefix } from "../../setup/redis";

const redis = testRedis();
const prefix = uniquePrefix("scripts");
const written: string[] = [];
const key = (name: string) => {
  written.push(prefix + name);
  return prefix + name;
};
afterAll(async () => {
  if (written.length > 0) await redis.del(...written);
});

describe("script registry", () => {
  it("is not empty and has unique names and hashes", () => {
    expect(scriptRegistry.length).toBeGreaterThan(0);
    expect(new Set(scriptRegistry.map((s) => s.name)).size).toBe(scriptRegistry.length);
    expect(new Set(scriptRegistry.map((s) => s.sha1)).size).toBe(scriptRegistry.length);
  });

  it.each(scriptRegistry.map((script) => [script.name, script] as const))(
    "%s: pinned sha1 = sha1(source) = SCRIPT LOAD",
    async (_name, script) => {
      expect(await scriptSha1(script.source)).toBe(script.sha1);
      expect(await redis.scriptLoad(script.source)).toBe(script.sha1);
    },
  );
});

describe("COMPARE_AND_DELETE", () => {
  it("deletes only when the key still holds the expected value", async () => {
    const k = key("lock");
    await redis.set(k, "owner-a");
    await expect(runScript(redis, COMPARE_AND_DELETE, [k], ["owner-b"])).resolves.toBe(0);
    await expect(redis.get(k)).resolves.toBe("owner-a");
    await expect(runScript(redis, COMPARE_AND_DELETE, [k], ["owner-a"])).resolves.toBe(1);
    await expect(redis.exists(k)).resolves.toBe(0);
  });

  it("answers 0 for a missing key", async () => {
    await expect(runScript(redis, COMPARE_AND_DELETE, [key("missing")], ["x"])).resolves.toBe(0);
  });
});
