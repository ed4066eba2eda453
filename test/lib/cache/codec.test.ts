/**
 * The codec keeps an own `__proto__` key (what JSON.parse produces for such input) as a plain key:
 * assigning it would have dropped it (a primitive) or replaced the object's prototype (an object).
 */
import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue } from "@/lib/cache";
import { createTestKit } from "../../setup/kit";

const kit = createTestKit();

describe("own __proto__ keys", () => {
  const parsed = () => JSON.parse('{"__proto__": 1, "a": {"__proto__": {"x": 1}, "b": 2}, "$": {"__proto__": "s"}}') as Record<string, unknown>;

  it("survive encode → decode as own keys, and never become a prototype", () => {
    const value = parsed();
    const back = decodeValue(encodeValue(value)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(back)).toEqual(["__proto__", "a", "$"]);
    expect(Object.getOwnPropertyDescriptor(back, "__proto__")?.value).toBe(1);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(back.a)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.a, "__proto__")?.value).toEqual(JSON.parse('{"x": 1}'));
    expect((back.a as { x?: unknown }).x).toBeUndefined(); // not inherited from a polluted prototype
    expect(Object.getOwnPropertyDescriptor(back.$, "__proto__")?.value).toBe("s");
    expect(back).toStrictEqual(value);
  });

  it("round-trip through Redis", async () => {
    const c = kit.cache.withNamespace("codec-proto");
    await c.set("k", parsed());
    const read = await c.lookup<Record<string, unknown>>("k");
    expect(read.status).toBe("hit");
    expect(Object.keys(read.value!)).toEqual(["__proto__", "a", "$"]);
    expect(read.value).toStrictEqual(parsed());
  });
});
