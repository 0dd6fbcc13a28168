// How long a message may keep failing before it is set aside. A failure counts against a message
// only when the dependency it failed on served other work since the message's previous attempt:
// then the failure is the message's own (a catalog that answers 500 to one payload, a key the
// credentials may not write). While S3 or the catalog is down as a whole nothing succeeds, nothing
// counts, and no healthy message is quarantined however long the outage lasts.

export interface MessageBoundOptions {
  /** Own failures before a message may be set aside (OAM_MESSAGE_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** And only once it is at least this old, counted from SQS SentTimestamp (OAM_MESSAGE_MAX_AGE_SECONDS). */
  maxAgeMs: number;
}

/** When a dependency last did something for anyone in this process. */
export class DependencyHealth {
  lastSuccessAt = 0;

  succeeded(now = Date.now()): void {
    this.lastSuccessAt = now;
  }
}

/** One message's failures: `failed()` says when it has used up its bound. */
export class FailureBudget {
  ownFailures = 0;
  lastError = "";
  private lastAttemptAt: number;

  constructor(
    private readonly sentTimestamp: number,
    private readonly opts: MessageBoundOptions,
    now = Date.now(),
  ) {
    this.lastAttemptAt = now;
  }

  /** Records a failed attempt against `health`'s dependency; true once the message is out of bound. */
  failed(health: DependencyHealth, error: string, now = Date.now()): boolean {
    if (health.lastSuccessAt > this.lastAttemptAt) this.ownFailures++;
    this.lastAttemptAt = now;
    this.lastError = error;
    return this.exhausted(now);
  }

  exhausted(now = Date.now()): boolean {
    return this.ownFailures >= this.opts.maxAttempts && now - this.sentTimestamp >= this.opts.maxAgeMs;
  }

  describe(): string {
    return `failed ${this.ownFailures} times while its dependency served other work; last error: ${this.lastError}`;
  }
}
