// The operator dashboard (issue 8): the first snapshot is read on the server, then the client part
// refreshes itself from /api/dashboard. Redis is only ever read server-side.
import { getKit } from "@/lib/kit-instance";
import { routes } from "@/kit.config";
import { buildDashboard } from "@/lib/observability";
import { appQueues } from "./app-queues";
import { Dashboard } from "./dashboard/dashboard";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export default async function Home() {
  const kit = getKit();
  const data = await buildDashboard(kit, { queues: appQueues(kit), routes });
  return <Dashboard initial={data} />;
}
