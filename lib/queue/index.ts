/**
 * lib/queue: typed background jobs on Redis Streams for serverless consumers (no blocking reads,
 * time-budgeted drains, reclaim of crashed consumers' work, retries with backoff, dead letters),
 * with an inline fallback that runs jobs after the response when the stream is off.
 */
export { createQueue, type Queue } from "./queue";
export { defineJob, defineJobs, type JobDefinition, type JobContext, type JobRegistry, type JobPayload } from "./job-definition";
export type { QueueOptions } from "./settings";
export type { EnqueueOptions, EnqueueResult } from "./producer";
export type { ConsumeOptions, ConsumeResult } from "./consumer";
export type { JobRecord, JobStatus, JobMode } from "./job-record";
export type { QueueStats, DeadLetter, RequeueOptions } from "./operations";
export type { QueueCounter } from "./throughput";
export { backoffDelayMs, resolveBackoff, DEFAULT_BACKOFF, type BackoffOptions, type ResolvedBackoff } from "./backoff";
export { UnknownJobTypeError, InvalidPayloadError, JobTimeoutError, type PayloadIssue } from "./errors";
export { handleConsumeRequest, type ConsumeEndpointOptions } from "./consume-endpoint";
export { resolveQueueMode, clearQueueModeCache, QUEUE_FLAG } from "./mode";
