/**
 * createQueue(kit, { jobs }): the queue's public object. One queue = one stream + delayed set +
 * dead-letter stream, shared by every instance that builds it with the same name and prefix.
 */
import type { Kit } from "../kit";
import { consume, type ConsumeOptions, type ConsumeResult } from "./consumer";
import type { JobPayload, JobRegistry } from "./job-definition";
import type { JobRecord } from "./job-record";
import { listDeadLetters, readStats, requeueDeadLetters, type DeadLetter, type QueueStats, type RequeueOptions } from "./operations";
import { enqueue, readJob, type EnqueueOptions, type EnqueueResult } from "./producer";
import { createRuntime, type QueueOptions } from "./settings";

export interface Queue<R extends JobRegistry> {
  readonly name: string;
  readonly jobs: R;
  /**
   * Validates `payload` against the type's schema, then enqueues it (stream mode) or schedules it
   * to run after the response (inline mode).
   * @throws UnknownJobTypeError / InvalidPayloadError (nothing written), RangeError on bad options,
   *   RedisUnavailableError / RedisTimeoutError in stream mode when Redis cannot take the job
   */
  enqueue<K extends keyof R & string>(type: K, payload: JobPayload<R, K>, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** `enqueue` for untrusted input (HTTP bodies): the type is any string, checked at run time. */
  enqueueUnchecked(type: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** The job's status record, or null when unknown or expired. */
  getJob(id: string): Promise<JobRecord | null>;
  /** Works through the stream until the budget is spent or nothing is left. */
  consume(options: ConsumeOptions): Promise<ConsumeResult>;
  stats(): Promise<QueueStats>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  requeueDeadLetters(options?: RequeueOptions): Promise<number>;
}

/**
 * @example
 * const queue = createQueue(kit, { jobs: defineJobs({ echo: defineJob({ schema, handler }) }) });
 * await queue.enqueue("echo", { message: "hi" }, { waitUntil: ctx.waitUntil, dedupe: { id: "hi-1" } });
 * await queue.consume({ budgetMs: 50_000 }); // from the cron route
 */
export function createQueue<R extends JobRegistry>(kit: Kit, options: QueueOptions<R>): Queue<R> {
  const runtime = createRuntime(kit, options);
  return Object.freeze({
    name: runtime.settings.name,
    jobs: options.jobs,
    enqueue: (type, payload, opts) => enqueue(runtime, type, payload, opts),
    enqueueUnchecked: (type, payload, opts) => enqueue(runtime, type, payload, opts),
    getJob: (id) => readJob(runtime, id),
    consume: (opts) => consume(runtime, opts),
    stats: () => readStats(runtime),
    deadLetters: (limit) => listDeadLetters(runtime, limit),
    requeueDeadLetters: (opts) => requeueDeadLetters(runtime, opts),
  } satisfies Queue<R>);
}
