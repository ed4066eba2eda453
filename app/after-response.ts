// Next's `after()` keeps the function alive until an inline job settles. Outside a request scope
// (route handlers called directly, e.g. by tests or scripts) it throws; the job then runs on as a
// plain promise, which is fine in a long-lived Node process.
import { after } from "next/server";

export function afterResponse(promise: Promise<unknown>): void {
  try {
    after(promise);
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    void promise;
  }
}
