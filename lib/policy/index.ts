export { createRouteTable, decodePath, relativeToBase } from "./route-table";
export type { HttpMethod, MatchedRoute, RouteDefinition, RouteTable } from "./route-table";
export type { RoutePolicy } from "./route-policy";

import type { RouteDefinition } from "./route-table";
import type { RoutePolicy } from "./route-policy";

/** Typed identity helper for kit.config.ts: `defineRoutes([...])` checks every entry's policy. */
export function defineRoutes(routes: readonly RouteDefinition<RoutePolicy>[]): readonly RouteDefinition<RoutePolicy>[] {
  return routes;
}
