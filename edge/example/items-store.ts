/**
 * Example business logic for `GET/PUT /items/:id`, shared by both entry points (Next's
 * app/api/items/[id]/route.ts and the Hono routes in edge/routes/items.ts), so both answer the same
 * bytes. The store is deliberately slow (it stands in for a database), which is what makes the cache
 * visible: a MISS takes the store's latency, a HIT does not.
 *
 * Every id exists: an item never written reads as `{ id, name: "Item {id}" }`. Names written with PUT
 * live in this process only (a stand-in for a database, not a shared store).
 */
import { z } from "zod";
import { problemResponse, PROBLEM_TYPES, readJsonBody } from "../../lib/http";
import type { Kit } from "../../lib/kit";
import { itemTag } from "./item-tag";

export interface Item {
  id: string;
  name: string;
  /** Increments on every PUT. */
  version: number;
  /** ISO 8601 of the last PUT (epoch for items never written). */
  updated_at: string;
}

/** Latency of every store read and write. */
export const ITEMS_STORE_LATENCY_MS = 150;

const itemIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9._~-]+$/, "use letters, digits and . _ ~ -");
const itemInputSchema = z.object({ name: z.string().trim().min(1).max(200) });
/** `{ name }` with a 200-character name needs well under 1 KiB; the cap holds while reading (lib/http readJsonBody). */
const MAX_BODY_BYTES = 16 * 1024;

const written = new Map<string, Item>();
let loads = 0;

export { itemTag };

/** Store reads so far in this process (the tests count loader calls with it). */
export function itemsStoreLoads(): number {
  return loads;
}

async function loadItem(id: string): Promise<Item> {
  loads++;
  await new Promise((r) => setTimeout(r, ITEMS_STORE_LATENCY_MS));
  return written.get(id) ?? { id, name: `Item ${id}`, version: 0, updated_at: new Date(0).toISOString() };
}

function badId(id: string, instance: string): Response | undefined {
  const parsed = itemIdSchema.safeParse(id);
  if (parsed.success) return undefined;
  return problemResponse({ type: PROBLEM_TYPES.badRequest, title: "Invalid item id", status: 400, detail: parsed.error.issues[0]?.message, instance });
}

/** `GET /items/:id` → 200 the item (slow: the cache in front of it is the point). */
export async function getItemResponse(_kit: Kit, id: string, request: Request): Promise<Response> {
  const instance = new URL(request.url).pathname;
  const invalid = badId(id, instance);
  if (invalid) return invalid;
  return Response.json(await loadItem(id), { headers: { "cache-control": "public, max-age=0, must-revalidate" } });
}

/**
 * `PUT /items/:id` `{ name }` → 200 the updated item, then invalidates the item's tag: one Redis
 * command, after which every cached variant of `GET /items/:id` (any query, any user) is a MISS.
 */
export async function putItemResponse(kit: Kit, id: string, request: Request): Promise<Response> {
  const instance = new URL(request.url).pathname;
  const invalid = badId(id, instance);
  if (invalid) return invalid;
  // Never `request.text()`: it buffers whatever the client sends; this reads at most the cap (413 past it).
  const body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, example: '{"name":"Blue mug"}' });
  if (!body.ok) return body.response;
  const parsed = itemInputSchema.safeParse(body.value);
  if (!parsed.success) {
    return problemResponse({
      type: PROBLEM_TYPES.badRequest,
      title: "Invalid item",
      status: 400,
      detail: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      instance,
    });
  }
  const previous = await loadItem(id);
  const item: Item = { id, name: parsed.data.name, version: previous.version + 1, updated_at: new Date(kit.clock.now()).toISOString() };
  written.set(id, item);
  const invalidation = await kit.cache.invalidateTags([itemTag(id)]);
  const headers = new Headers({ "cache-control": "no-store" });
  // Visible, never silent: Redis was down, so other instances may serve the old item until its TTL.
  if (invalidation.degraded) headers.set("x-cache-degraded", invalidation.degraded);
  return Response.json(item, { headers });
}
