import { describe, expect, it } from "vitest";
import { handleConsumeRequest } from "@/lib/queue";
import { streamKit, testQueue } from "./fixtures";

const request = (url: string, authorization?: string) => new Request(url, { headers: authorization ? { authorization } : {} });

describe("handleConsumeRequest", () => {
  it("refuses every call when no secret is configured (fail closed), even one sending an empty bearer", async () => {
    const queue = testQueue(streamKit());
    await queue.enqueue("echo", { message: "x" });
    for (const auth of [undefined, "Bearer ", "Bearer null"]) {
      const res = await handleConsumeRequest(request("http://x/api/queue/consume", auth), queue, { secret: null, budgetMs: 1000 });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ detail: expect.stringContaining("CRON_SECRET is not configured") });
    }
    expect((await queue.stats()).length).toBe(1);
  });

  it("?budgetMs can lower the budget but never raise it past the configured one", async () => {
    const queue = testQueue(streamKit(), [], { reclaimAfter: "2 s" });
    const secret = "s".repeat(32);
    // budgetMs 1500 < reclaimAfter: accepted. Asking for 999999 is capped to 1500, so consume does not throw.
    const res = await handleConsumeRequest(request("http://x/c?budgetMs=999999", `Bearer ${secret}`), queue, { secret, budgetMs: 1500 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stoppedBy: "empty", elapsedMs: expect.any(Number) });
  });
});
