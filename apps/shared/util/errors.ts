// The suite's error classes. Each carries the context an operator needs to act on it.

/** A missing or malformed environment variable: the process cannot start. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`${variable} ${reason}`);
    this.name = "ConfigError";
  }
}

/** A message from the queue that is not a valid status message: quarantined, never retried. */
export class InvalidMessageError extends Error {
  constructor(
    readonly reason: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = "InvalidMessageError";
  }
}

/** The catalog refused a notification for good (a 4xx other than 408/429): reported, not retried. */
export class PermanentCatalogError extends Error {
  constructor(
    readonly status: number,
    readonly responseBody: string,
    readonly jobId: string,
  ) {
    super(`catalog answered HTTP ${status} for job ${jobId}`);
    this.name = "PermanentCatalogError";
  }
}

/**
 * The catalog refused our token (401, 403): the suite's problem, not the job's. Nothing is recorded
 * against the job; it is retried with backoff until the token works again.
 */
export class CatalogAuthError extends Error {
  constructor(
    readonly status: number,
    readonly responseBody: string,
  ) {
    super(`catalog refused the token (HTTP ${status})`);
    this.name = "CatalogAuthError";
  }
}

/** A transient failure worth retrying (network error, timeout, 5xx, 429, 408). */
export class TransientError extends Error {
  readonly #outcomeUnknown: boolean;

  constructor(message: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, options);
    this.name = "TransientError";
    this.#outcomeUnknown = options?.outcomeUnknown ?? false;
  }

  /** True when the request may have been carried out although no answer came (a timeout, a connection cut mid-request). */
  get outcomeUnknown(): boolean {
    return this.#outcomeUnknown;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = (err as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
