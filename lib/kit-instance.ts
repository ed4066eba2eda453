/**
 * getKit(): the one memoised Kit per isolate (edge isolate, Node process, workerd isolate), built from
 * the environment. The only module-scope singleton in lib/; everything else takes the Kit as a value.
 * getGateKit(): the same instance as the gates need it. Next's middleware calls only that, so its edge
 * bundle leaves out the cache's write side (lib/kit.ts); a route in the same isolate completes it.
 */
import { loadConfig, readEnv, describeConfig, type LoadConfigOptions } from "./config";
import { completeKit, createGateKit, type GateKit, type Kit } from "./kit";

let instance: GateKit | undefined;

export function getGateKit(): GateKit {
  instance ??= buildGateKitFromEnv();
  return instance;
}

export function getKit(): Kit {
  return completeKit(getGateKit());
}

/**
 * A new Kit from the environment, with the startup warnings every host should print. Hosts that
 * serve no metrics or cron endpoints (scripts/serve-node.ts) pass `{ requiredSecrets: [] }`.
 */
export function buildKitFromEnv(options: LoadConfigOptions = {}): Kit {
  return completeKit(buildGateKitFromEnv(options));
}

function buildGateKitFromEnv(options: LoadConfigOptions = {}): GateKit {
  const kit = createGateKit(loadConfig(readEnv(), options));
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
