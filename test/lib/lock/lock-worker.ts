/**
 * One contender of test/lib/lock/lock-processes.test.ts, run as its own Node process. Takes the
 * same lock `ROUNDS` times through the real kit; inside each critical section it appends
 * `enter <fence> <pid>` and `exit <fence> <pid>` to a shared Redis list (the observed history).
 * argv: url token keyPrefix lockName logKey rounds
 */
import { loadConfig } from "../../../lib/config";
import { createKit } from "../../../lib/kit";
import { createLocks } from "../../../lib/lock";

const [url, token, keyPrefix, lockName, logKey, rounds] = process.argv.slice(2) as [string, string, string, string, string, string];
const kit = createKit(
  loadConfig({ NODE_ENV: "test", UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, EDGE_KIT_KEY_PREFIX: keyPrefix, REDIS_COMMAND_TIMEOUT_MS: "5000" }),
);
const locks = createLocks(kit);
const redis = kit.redis!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (let i = 0; i < Number(rounds); i++) {
  await locks.withLock(
    lockName,
    async ({ lease }) => {
      await redis.rpush(logKey, `enter ${lease.fence} ${process.pid}`);
      await sleep(Math.random() * 4); // widen the window in which an overlap would show
      await redis.rpush(logKey, `exit ${lease.fence} ${process.pid}`);
    },
    { lease: "5 s", retry: { attempts: 10_000, delay: "4 ms", maxWait: "60 s" } },
  );
}
process.stdout.write("done\n");
