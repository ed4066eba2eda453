/**
 * Every error leaves the Hono app as RFC 9457 problem+json: HTTPException keeps its status, a KitError
 * maps by its stable code (lib/http errorResponse), anything else is a 500 without internals.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorResponse, problemResponse, PROBLEM_TYPES } from "../lib/http";

export const onError: ErrorHandler = (err, c: Context) => {
  if (err instanceof HTTPException) {
    if (err.res) return err.res;
    return problemResponse({ type: PROBLEM_TYPES.badRequest, title: err.message || "Bad request", status: err.status });
  }
  return errorResponse(err, { where: `${c.req.method} ${c.req.path}` });
};

export const notFound: NotFoundHandler = (c) =>
  problemResponse({ type: PROBLEM_TYPES.notFound, title: "Not found", status: 404, instance: c.req.path });
