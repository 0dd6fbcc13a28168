// The catalog notifier: one POST per finished mosaic, retried with backoff and jitter for as long as
// the failure is transient; each job handled on its own so a slow one never blocks the others.
import {
  buildCatalogPayload,
  errorMessage,
  PermanentCatalogError,
  retryForever,
  type Envelope,
  type Logger,
} from "../shared";
import type { CatalogClient } from "./catalog-client";
import type { CatalogRecords } from "./catalog-records";

export interface NotifierOptions {
  mock: boolean;
  maxBackoffMs: number;
  startingDelayMs?: number;
}

export class CatalogNotifier {
  readonly stats = { posted: 0, mocked: 0, skipped: 0, retries: 0, rejected: 0 };

  constructor(
    private readonly client: CatalogClient,
    private readonly records: CatalogRecords,
    private readonly logger: Logger,
    private readonly opts: NotifierOptions,
  ) {}

  handle = async (envelope: Envelope, signal: AbortSignal): Promise<void> => {
    const { jobId } = envelope.body;
    const payload = buildCatalogPayload(envelope.body);
    const s3Retry = <T>(what: string, fn: () => Promise<T>) =>
      retryForever(fn, {
        maxDelayMs: this.opts.maxBackoffMs,
        keepTrying: () => !signal.aborted,
        onFailedAttempt: (err, attempt) =>
          this.logger.warn(`${what} failed, retrying`, { event: "catalog.record_failed", jobId, attempt, error: errorMessage(err) }),
      });

    const existing = await s3Retry("reading the catalog record", () => this.records.get(jobId, signal));
    if (existing && existing.uri === payload.uri) {
      this.stats.skipped++;
      this.logger.info("already sent to the catalog", { event: "catalog.skipped", jobId, state: existing.state, messageId: envelope.messageId });
      return;
    }

    const base = { jobId, uri: payload.uri, messageId: envelope.messageId };
    if (this.opts.mock) {
      this.logger.info("MOCK_OAM_API: would POST to the catalog", { event: "catalog.mock", jobId, endpoint: this.client.endpoint, payload });
      await s3Retry("writing the catalog record", () => this.records.put({ ...base, state: "mocked", at: new Date().toISOString() }, signal));
      this.stats.mocked++;
      return;
    }

    try {
      const res = await retryForever(() => this.client.post(jobId, payload, signal), {
        startingDelayMs: this.opts.startingDelayMs ?? 500,
        maxDelayMs: this.opts.maxBackoffMs,
        keepTrying: (err) => !signal.aborted && !(err instanceof PermanentCatalogError),
        onFailedAttempt: (err, attempt) => {
          if (err instanceof PermanentCatalogError) return;
          this.stats.retries++;
          this.logger.warn("catalog post failed, retrying", { event: "catalog.retry", jobId, attempt, error: errorMessage(err) });
        },
      });
      this.logger.info("posted to the catalog", { event: "catalog.posted", jobId, uri: payload.uri, httpStatus: res.status });
      await s3Retry("writing the catalog record", () =>
        this.records.put({ ...base, state: "posted", at: new Date().toISOString(), httpStatus: res.status }, signal),
      );
      this.stats.posted++;
    } catch (err) {
      if (!(err instanceof PermanentCatalogError)) throw err;
      this.stats.rejected++;
      const key = this.records.key(jobId);
      this.logger.error("catalog rejected the notification; not retried", {
        event: "catalog.rejected",
        jobId,
        httpStatus: err.status,
        response: err.responseBody,
        recordKey: key,
      });
      await s3Retry("writing the catalog record", () =>
        this.records.put({ ...base, state: "rejected", at: new Date().toISOString(), httpStatus: err.status, response: err.responseBody }, signal),
      );
    }
  };
}
