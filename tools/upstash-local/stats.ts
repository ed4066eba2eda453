/** Counters behind `GET /stats` (brief item 11). Plain mutable fields: they are bumped on the hot path. */

export interface UpstashLocalStats {
  /** Authorized command requests: `/`, `/pipeline`, `/multi-exec`, subscribe, path form (not `/stats`). */
  httpRequests: number;
  /** User commands sent to Redis (a pipeline of 3 adds 3; MULTI/EXEC wrappers are not counted). */
  redisCommands: number;
  pipelines: number;
  transactions: number;
  /** Error answers: failed commands (top level or inline entries) and rejected requests (401/400/413/500). */
  errors: number;
  /** ISO time of the start, or of the last `POST /stats/reset`. */
  startedAt: string;
}

export class StatsCounters implements UpstashLocalStats {
  httpRequests = 0;
  redisCommands = 0;
  pipelines = 0;
  transactions = 0;
  errors = 0;
  startedAt = new Date().toISOString();

  snapshot(): UpstashLocalStats {
    const { httpRequests, redisCommands, pipelines, transactions, errors, startedAt } = this;
    return { httpRequests, redisCommands, pipelines, transactions, errors, startedAt };
  }

  reset(): void {
    this.httpRequests = 0;
    this.redisCommands = 0;
    this.pipelines = 0;
    this.transactions = 0;
    this.errors = 0;
    this.startedAt = new Date().toISOString();
  }
}
