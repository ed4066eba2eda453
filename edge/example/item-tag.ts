/**
 * The cache tag of one item: PUT invalidates it, the GET route's cache policy tags its entries with it.
 * Its own module (no zod, no store) because kit.config.ts — and through it the edge middleware bundle —
 * imports it.
 */
export function itemTag(id: string): string {
  return `item:${id}`;
}
