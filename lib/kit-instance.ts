/**
 * getKit(): the one memoised Kit per isolate (edge isolate, Node process, workerd isolate), built from
 * the environment. The only module-scope singleton in lib/; everything else takes the Kit as a value.
 */
import { loadConfig, readEnv, describeConfig, type LoadConfigOptions } from "./config";
import { createKit, type Kit } from "./kit";

let instance: Kit | undefined;

export function getKit(): Kit {
  instance ??= buildKitFromEnv();
  return instance;
}

/**
 * A new Kit from the environment, with the startup warnings every host should print. Hosts that
 * serve no metrics or cron endpoints (scripts/serve-node.ts) pass `{ requiredSecrets: [] }`.
 */
export function buildKitFromEnv(options: LoadConfigOptions = {}): Kit {
  const kit = createKit(loadConfig(readEnv(), options));
  if (kit.mode === "memory") {
    // Loud on purpose: in memory mode nothing is shared between instances (DESIGN.md §4).
    console.warn(
      `[edge-kit] DEGRADED: no Redis configured — running on per-instance in-memory state. ` +
        `Rate limits, cache, idempotency and locks are NOT shared across instances. (${describeConfig(kit.config)})`,
    );
  }
  if (kit.config.env === "production" && !kit.config.trustProxy) {
    // Without a trusted proxy the edge has no client address (Next gives middleware none), so every
    // anonymous caller shares one rate-limit bucket and one idempotency scope. Say so, once.
    console.warn(
      "[edge-kit] TRUST_PROXY is off: anonymous clients cannot be told apart (one shared rate-limit bucket and " +
        "idempotency scope). Set TRUST_PROXY=true behind a proxy that sets x-forwarded-for (Vercel does), or resolve users.",
    );
  }
  return kit;
}

/** Tests only: forget the memoised instance. */
export function resetKitForTests(): void {
  instance = undefined;
}
