import { describe, expect, it } from "vitest";
import { runGates, type Gate, type GateContext } from "../../../lib/gate";
import { createTestKit } from "../../setup/kit";

function ctx(): GateContext {
  return {
    kit: createTestKit({ memory: true }),
    request: new Request("http://localhost/api/x"),
    route: { name: "x", pattern: "/x", params: {}, policy: {} },
    identity: { ip: null, userId: null },
    waitUntil: () => undefined,
  };
}

describe("runGates", () => {
  it("continues with the merged headers of every gate", async () => {
    const a: Gate = async () => ({ action: "continue", responseHeaders: new Headers({ ratelimit: "r=1" }) });
    const b: Gate = async () => ({ action: "continue", responseHeaders: new Headers({ "x-cache": "MISS" }), requestHeaders: new Headers({ "x-claim": "t" }) });
    const result = await runGates([a, b], ctx());
    expect(result.action).toBe("continue");
    expect(Object.fromEntries(result.responseHeaders)).toEqual({ ratelimit: "r=1", "x-cache": "MISS" });
    expect(result.requestHeaders.get("x-claim")).toBe("t");
  });

  it("stops at the first respond, which keeps earlier gates' headers without overriding its own", async () => {
    const calls: string[] = [];
    const a: Gate = async () => (calls.push("a"), { action: "continue", responseHeaders: new Headers({ ratelimit: "r=1", "x-shared": "a" }) });
    const b: Gate = async () => (calls.push("b"), { action: "respond", response: new Response("no", { status: 409, headers: { "x-shared": "b" } }) });
    const c: Gate = async () => (calls.push("c"), { action: "continue" });
    const result = await runGates([a, b, c], ctx());
    expect(calls).toEqual(["a", "b"]);
    expect(result.response?.status).toBe(409);
    expect(result.response?.headers.get("ratelimit")).toBe("r=1");
    expect(result.response?.headers.get("x-shared")).toBe("b");
    expect(await result.response?.text()).toBe("no");
  });
});
