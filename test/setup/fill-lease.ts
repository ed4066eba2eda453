/**
 * The fill leases of one route's response-cache entries, read straight from Redis: what each holds (a
 * lease token, or the pass marker "pass") and for how long. Route names are unique per test, so this
 * sees only that test's entries. `lapse` ends a pass marker early, as its PX would.
 */
import type { Kit } from "@/lib/kit";
import { testRedis } from "./redis";

const raw = testRedis();

async function leaseKeys(kit: Kit, routeName: string): Promise<string[]> {
  // An entry key is `{prefix}:cache:{namespace}[@version]:{key}`; its lease is that key + ":lease".
  const probe = kit.keys.cache(`http:${routeName}`, "k");
  return raw.keys(`${probe.slice(0, -":k".length)}*:lease`);
}

export async function fillLeases(kit: Kit, routeName: string): Promise<Array<{ value: string; pttl: number }>> {
  const keys = await leaseKeys(kit, routeName);
  return Promise.all(keys.map(async (key) => ({ value: String(await raw.get(key)), pttl: await raw.pttl(key) })));
}

export async function lapse(kit: Kit, routeName: string): Promise<void> {
  const keys = await leaseKeys(kit, routeName);
  if (keys.length > 0) await raw.del(...keys);
}
