/**
 * Every error the kit throws is a KitError with a stable `code` (callers branch on the code, never on
 * message text) plus `retryable`, structured `context` and the original `cause`.
 * HTTP mapping is a lookup on `code` (see lib/http, added by the features that need it).
 */
export type KitErrorCode =
  | "E_CONFIG"
  | "E_REDIS_UNAVAILABLE"
  | "E_REDIS_TIMEOUT"
  | "E_REDIS_COMMAND"
  | "E_CIRCUIT_OPEN"
  | "E_SCRIPT"
  | "E_INVALID_KEY_PART"
  | "E_CACHE_VALUE_TOO_LARGE"
  | "E_CACHE_UNSERIALIZABLE"
  | "E_LOCK_NOT_ACQUIRED"
  | "E_LOCK_LOST"
  | "E_SESSION_CORRUPT"
  | "E_QUEUE_UNKNOWN_JOB_TYPE"
  | "E_QUEUE_INVALID_PAYLOAD"
  | "E_QUEUE_JOB_TIMEOUT"
  | "E_IDEMPOTENCY_RECORD"
  | "E_IDEMPOTENCY_CLAIM_LOST"
  | "E_IDEMPOTENCY_GATE_MISSING";

export interface KitErrorOptions {
  retryable?: boolean;
  context?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

export class KitError extends Error {
  readonly code: KitErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: KitErrorCode, message: string, options: KitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = Object.freeze({ ...options.context });
  }
}

/** Configuration is invalid; `issues` lists every bad variable at once (t3-env style). */
export class ConfigError extends KitError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super("E_CONFIG", `Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`, {
      context: { issues },
    });
    this.issues = Object.freeze([...issues]);
  }
}

/** Redis could not be reached or answered with a transport-level failure (5xx, reset, bad body). */
export class RedisUnavailableError extends KitError {
  constructor(message: string, options: KitErrorOptions = {}) {
    super("E_REDIS_UNAVAILABLE", message, { retryable: true, ...options });
  }
}

/** A Redis call did not answer within its budget; the in-flight request was abandoned. */
export class RedisTimeoutError extends KitError {
  constructor(operation: string, timeoutMs: number, options: KitErrorOptions = {}) {
    super("E_REDIS_TIMEOUT", `${operation} timed out after ${timeoutMs} ms`, {
      retryable: true,
      ...options,
      context: { operation, timeoutMs, ...options.context },
    });
  }
}

/** The circuit breaker is open: Redis was failing recently, so the call was not attempted. */
export class CircuitOpenError extends KitError {
  constructor(operation: string, retryAfterMs: number) {
    super("E_CIRCUIT_OPEN", `${operation} skipped: Redis circuit is open for ${retryAfterMs} ms more`, {
      retryable: true,
      context: { operation, retryAfterMs },
    });
  }
}

/** Redis answered with an error for this command (WRONGTYPE, syntax…): a bug, not an outage. */
export class RedisCommandError extends KitError {
  constructor(message: string, options: KitErrorOptions = {}) {
    super("E_REDIS_COMMAND", message, options);
  }
}

export const errors = {
  E_CONFIG: ConfigError,
  E_REDIS_UNAVAILABLE: RedisUnavailableError,
  E_REDIS_TIMEOUT: RedisTimeoutError,
  E_CIRCUIT_OPEN: CircuitOpenError,
  E_REDIS_COMMAND: RedisCommandError,
} as const;
