/** Time source port, so window/TTL logic that lives in TypeScript can be tested with a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
