// One way to retry in the suite: exponential backoff with full jitter (exponential-backoff), for as
// long as `keepTrying` says, with every failed attempt reported.
import { backOff } from "exponential-backoff";

export interface RetryOptions {
  startingDelayMs?: number;
  maxDelayMs: number;
  /** false stops retrying: the last error is thrown. */
  keepTrying: (err: unknown, attempt: number) => boolean;
  onFailedAttempt?: (err: unknown, attempt: number) => void;
}

export function retryForever<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  return backOff(fn, {
    numOfAttempts: Number.MAX_SAFE_INTEGER,
    startingDelay: opts.startingDelayMs ?? 200,
    timeMultiple: 2,
    maxDelay: opts.maxDelayMs,
    jitter: "full",
    delayFirstAttempt: false,
    retry: (err, attempt) => {
      opts.onFailedAttempt?.(err, attempt);
      return opts.keepTrying(err, attempt);
    },
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
