/**
 * lib/dedupe when a reply is lost after Redis applied the marks (msw drops the HTTP answer of a
 * request that already reached the real server): a retry must never turn never-seen ids into
 * duplicates, and a failed call must give its marks back so the caller's retry accepts them.
 */
import { bypass, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDedupe, DEDUPE_MARK } from "@/lib/dedupe";
import { KitError } from "@/lib/errors";
import { createTestKit } from "../../setup/kit";
import { testRedis, upstashTarget } from "../../setup/redis";

const target = upstashTarget();
const msw = setupServer(http.all("*", () => passthrough()));
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

const env = { REDIS_BREAKER_THRESHOLD: "0" };
const kit = createTestKit({ env });
const raw = testRedis();
let n = 0;
const scope = () => `faults-${++n}`;
afterAll(async () => {
  const keys = await raw.keys(`${kit.keys.prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
});

/** The first mark request is executed by the real server, then its reply is dropped (connection reset). */
function loseFirstMarkReply(): { lost: () => boolean } {
  let lost = false;
  msw.use(
    http.post(`${target.url}/*`, async ({ request }) => {
      const sent = await request.clone().text();
      const real = await fetch(bypass(request));
      const text = await real.text();
      const isMark = sent.includes(DEDUPE_MARK.sha1) || sent.includes("-- dedupe-mark");
      if (!lost && isMark && !text.includes("NOSCRIPT")) {
        lost = true;
        return HttpResponse.error();
      }
      return new HttpResponse(text, { status: real.status, headers: real.headers });
    }),
  );
  return { lost: () => lost };
}

describe("a lost mark reply", () => {
  it("SDK retry (REDIS_RETRIES=1): the retried call finds its own marks and answers the ids fresh", async () => {
    const retrying = createTestKit({ env: { ...env, REDIS_RETRIES: "1", EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
    const d = createDedupe(retrying, { scope: scope() });
    const fault = loseFirstMarkReply();
    const result = await d.mark(["new-1", "new-2", "new-1"]);
    expect(fault.lost()).toBe(true);
    expect(result).toMatchObject({ fresh: ["new-1", "new-2"], duplicates: ["new-1"] });
    // …and they are marked: another call sees them as repeats.
    msw.resetHandlers();
    expect((await d.mark(["new-1", "new-2"])).duplicates).toEqual(["new-1", "new-2"]);
  });

  it("no SDK retry (REDIS_RETRIES=0): the call fails closed, gives its marks back, and the caller's retry accepts the ids", async () => {
    const s = scope();
    const background: Promise<unknown>[] = [];
    const noRetry = createTestKit({ env: { ...env, REDIS_RETRIES: "0", EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
    const d = createDedupe(noRetry, { scope: s, waitUntil: (p) => void background.push(p) });
    loseFirstMarkReply();
    const error = await d.mark(["p-a", "p-b"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).code).toBe("E_REDIS_UNAVAILABLE");
    msw.resetHandlers();
    await Promise.all(background); // the token-checked unmark, handed to waitUntil
    expect(await raw.exists(kit.keys.dedupe(s, "p-a"), kit.keys.dedupe(s, "p-b"))).toBe(0);
    expect(await d.mark(["p-a", "p-b"])).toMatchObject({ fresh: ["p-a", "p-b"], duplicates: [] });
  });

  it("the unmark after a failed call removes only that call's marks, never another call's", async () => {
    const s = scope();
    const d = createDedupe(kit, { scope: s });
    const earlier = await d.mark(["kept"]);
    expect(earlier.fresh).toEqual(["kept"]);
    const background: Promise<unknown>[] = [];
    const noRetry = createTestKit({ env: { ...env, REDIS_RETRIES: "0", EDGE_KIT_KEY_PREFIX: kit.keys.prefix } });
    const failing = createDedupe(noRetry, { scope: s, waitUntil: (p) => void background.push(p) });
    loseFirstMarkReply();
    await expect(failing.mark(["kept", "mine"])).rejects.toBeInstanceOf(KitError);
    msw.resetHandlers();
    await Promise.all(background);
    expect(await d.mark(["kept", "mine"])).toMatchObject({ fresh: ["mine"], duplicates: ["kept"] });
  });
});

describe("forget(ids, { token })", () => {
  it("removes only the markers the call with that token set", async () => {
    const s = scope();
    const d = createDedupe(kit, { scope: s });
    const first = await d.mark(["x", "y"]);
    const second = await d.mark(["y", "z"]);
    expect(second.fresh).toEqual(["z"]);
    // "y" was marked by the first call: the second call's token cannot remove it.
    expect(await d.forget(["y", "z"], { token: second.token! })).toBe(1);
    expect(await d.forget(["x"], { token: second.token! })).toBe(0);
    expect(await d.mark(["x", "y", "z"])).toMatchObject({ fresh: ["z"], duplicates: ["x", "y"] });
    expect(await d.forget(["x"], { token: first.token! })).toBe(1);
  });
});
