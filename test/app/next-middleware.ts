/**
 * middleware.ts as Next runs it, for the test/app specs: the real export, with getKit() built from a
 * process.env that points at the shared upstash-local under a key prefix of this file's own. Registers
 * the beforeAll/afterAll that set and restore the environment; `middleware()` is the loaded export.
 */
import type { NextFetchEvent, NextRequest } from "next/server";
import { afterAll, beforeAll } from "vitest";
import { resetKitForTests } from "@/lib/kit-instance";
import { upstashTarget, uniquePrefix } from "../setup/redis";

type Middleware = (req: NextRequest, event: NextFetchEvent) => Promise<Response>;

export function useNextMiddleware(label: string, env: Record<string, string> = {}): () => Middleware {
  const saved = { ...process.env };
  let loaded: Middleware | undefined;
  beforeAll(async () => {
    const target = upstashTarget();
    Object.assign(process.env, {
      UPSTASH_REDIS_REST_URL: target.url,
      UPSTASH_REDIS_REST_TOKEN: target.token,
      EDGE_KIT_KEY_PREFIX: uniquePrefix(label).slice(0, -1).replace(":", "-"),
      TRUST_PROXY: "true",
      ...env,
    });
    resetKitForTests();
    ({ middleware: loaded } = await import("@/middleware"));
  });
  afterAll(() => {
    process.env = saved;
    resetKitForTests();
  });
  return () => {
    if (!loaded) throw new Error("middleware.ts is loaded in beforeAll");
    return loaded;
  };
}
