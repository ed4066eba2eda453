/**
 * Example business logic for `POST /orders`, shared by both entry points (Next's
 * app/api/orders/route.ts and the Hono route in edge/routes/orders.ts), so both answer the same
 * bytes. Idempotency is not in here: it wraps this handler (route policy `idempotency` in
 * kit.config.ts), which is the point — the business code stays ordinary.
 */
import { z } from "zod";
import { errorResponse, invalidBodyResponse, isUnavailableError, readJsonBody } from "../../lib/http";
import type { Kit } from "../../lib/kit";
import { enqueueOrderConfirmation, type WaitUntil } from "./jobs";

export const orderInputSchema = z.object({
  item_id: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1000),
});

export type OrderInput = z.infer<typeof orderInputSchema>;

export interface Order extends OrderInput {
  order_id: string;
  /** ISO 8601, from the kit's clock. */
  created_at: string;
}

/** Bodies past this are refused before parsing (the idempotency gate caps fingerprinting at 1 MiB). */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * Validates `{ item_id, quantity }` and creates the order: 201 with the order, or 400 problem+json
 * naming every invalid field.
 */
export async function createOrderResponse(kit: Kit, request: Request, waitUntil?: WaitUntil): Promise<Response> {
  const instance = new URL(request.url).pathname;
  const body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, example: '{"item_id":"sku-1","quantity":2}' });
  if (!body.ok) return body.response;
  const parsed = orderInputSchema.safeParse(body.value);
  if (!parsed.success) {
    return invalidBodyResponse("Invalid order", "The body must be {item_id: string, quantity: integer 1-1000}.", parsed.error.issues, instance);
  }

  const order: Order = {
    order_id: `ord_${crypto.randomUUID().replace(/-/g, "")}`,
    item_id: parsed.data.item_id,
    quantity: parsed.data.quantity,
    created_at: new Date(kit.clock.now()).toISOString(),
  };
  try {
    await onOrderCreated(kit, order, waitUntil);
  } catch (err) {
    // Stream mode with Redis down: the confirmation cannot be queued, so the order is not accepted
    // (503 + Retry-After; the idempotency claim is released and a retry runs again).
    if (isUnavailableError(err)) return errorResponse(err, { where: "POST /orders", instance });
    throw err;
  }
  return new Response(JSON.stringify(order), {
    status: 201,
    headers: { "content-type": "application/json", location: `${instance}/${order.order_id}` },
  });
}

/**
 * QUEUE HOOK: runs once per created order, before the 201 is returned (inside the idempotent
 * section, so a replayed request never runs it again). The queue feature adds its call here:
 *   await enqueue("order.confirm", { order_id: order.order_id });
 */
async function onOrderCreated(kit: Kit, order: Order, waitUntil: WaitUntil | undefined): Promise<void> {
  // waitUntil keeps an inline-mode confirmation alive after the response on serverless runtimes.
  await enqueueOrderConfirmation(kit, order.order_id, waitUntil);
}
