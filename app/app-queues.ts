// The queues this app defines. The metrics endpoint and the dashboard read exactly these (a SCAN of
// the keyspace cannot promise to find them on a large database): add every queue the app creates.
import { exampleQueue } from "@/edge/example/jobs";
import type { Kit } from "@/lib/kit";
import type { QueueSource } from "@/lib/observability";

export function appQueues(kit: Kit): QueueSource[] {
  return [exampleQueue(kit)];
}
