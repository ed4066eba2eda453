/**
 * `errorText` turns whatever a job threw into its `lastError`; it must not throw itself.
 */
import { describe, expect, it } from "vitest";
import { errorText } from "@/lib/queue/job-record";

describe("errorText", () => {
  it("describes any thrown value without throwing", () => {
    const cyclic: Record<string, unknown> = Object.create(null);
    cyclic.self = cyclic;
    const hostile = new Proxy({}, { get: () => { throw new Error("trap"); }, getPrototypeOf: () => { throw new Error("trap"); } });
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", { get: () => { throw new Error("getter"); } });

    expect(errorText(new TypeError("bad"))).toBe("TypeError: bad");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(undefined)).toBe("undefined");
    expect(errorText(Object.create(null))).toBe("non-error thrown: {}");
    expect(errorText(Symbol("s"))).toBe("Symbol(s)");
    expect(errorText(10n)).toBe("10");
    expect(errorText(cyclic)).toBe("non-error thrown: [object Object]");
    expect(errorText(badMessage)).toBe("non-error thrown: {}");
    expect(errorText(hostile)).toBe("non-error thrown: object");
    expect(errorText(new Error("y".repeat(5000)))).toHaveLength(1000);
  });
});
