// The catalog notifier: one POST per finished mosaic. Per job: claim the job in its record,
// post (retried with backoff and jitter for as long as the failure is transient), record the
// outcome. Jobs run in parallel, so a slow or failing one never blocks the others; messages of
// one job run one after another.
//
// At most `maxConcurrentPosts` jobs are between their POST and its recorded outcome at once: a
// notifier killed there posts those jobs again when it comes back, and with every job of a backlog
// posting at once the outcome writes queued behind each other, up to ~1 s after the catalog's 2xx
// (a CI run re-posted 129 jobs over 5 kills). A job waits for its next try without a slot, so jobs
// backing off during a catalog outage never hold up the others.
import {
  buildCatalogPayload,
  errorMessage,
  isPreconditionFailure,
  KeyedQueue,
  PermanentCatalogError,
  retryForever,
  type CatalogPayload,
  type Envelope,
  type Logger,
} from "../shared";
import type { CatalogClient } from "./catalog-client";
import type { CatalogRecord, CatalogRecords, StoredRecord } from "./catalog-records";
import { Slots } from "./slots";

export const DEFAULT_MAX_CONCURRENT_POSTS = 8;

export interface NotifierOptions {
  mock: boolean;
  maxBackoffMs: number;
  /** Longest wait between retries of S3 calls. */
  s3MaxBackoffMs?: number;
  startingDelayMs?: number;
  /** Who we are in claims: `<hostname>:<run dir>`, the same across restarts of this suite. */
  owner: string;
  /** A claim by another suite older than this is taken over (it must have died). */
  claimLeaseMs: number;
  /** Jobs between their POST and its recorded outcome at once (OAM_CATALOG_CONCURRENCY). */
  maxConcurrentPosts?: number;
}

/** Another suite holds a fresh claim on the job: wait and look again. */
class ClaimHeld extends Error {
  constructor(readonly owner: string) {
    super(`another suite (${owner}) is posting this job`);
  }
}

export class CatalogNotifier {
  readonly stats = { posted: 0, mocked: 0, skipped: 0, retries: 0, rejected: 0, claimConflicts: 0 };
  private readonly perJob = new KeyedQueue();
  private readonly slots: Slots;

  constructor(
    private readonly client: CatalogClient,
    private readonly records: CatalogRecords,
    private readonly logger: Logger,
    private readonly opts: NotifierOptions,
  ) {
    this.slots = new Slots(opts.maxConcurrentPosts ?? DEFAULT_MAX_CONCURRENT_POSTS);
  }

  /** Jobs between their POST and its recorded outcome now. */
  get postsInProgress(): number {
    return this.slots.inUse;
  }

  handle = (envelope: Envelope, signal: AbortSignal): Promise<void> =>
    this.perJob.run(envelope.body.jobId, () =>
      retryForever(() => this.notify(envelope, signal), {
        startingDelayMs: 200,
        maxDelayMs: this.opts.s3MaxBackoffMs ?? 10_000,
        keepTrying: (err) => !signal.aborted && !(err instanceof PermanentCatalogError),
        onFailedAttempt: (err, attempt) => {
          if (err instanceof ClaimHeld) this.logger.info("waiting for another suite's claim", { event: "catalog.claim_held", jobId: envelope.body.jobId, owner: err.owner, attempt });
          else this.logger.warn("catalog notification step failed, retrying", { event: "catalog.step_failed", jobId: envelope.body.jobId, attempt, error: errorMessage(err) });
        },
      }),
    );

  private async notify(envelope: Envelope, signal: AbortSignal): Promise<void> {
    const payload = buildCatalogPayload(envelope.body);
    const base = { jobId: envelope.body.jobId, uri: payload.uri, owner: this.opts.owner, messageId: envelope.messageId };
    const claim = await this.claim(envelope, base, signal);
    if (claim) await this.post(envelope, payload, base, claim, signal);
  }

  /** Claims the job for this suite ("posting"); undefined when it was sent already. */
  private async claim(envelope: Envelope, base: Omit<CatalogRecord, "state" | "at">, signal: AbortSignal): Promise<StoredRecord | undefined> {
    const { jobId } = base;
    const claim = (): CatalogRecord => ({ ...base, state: "posting", at: new Date().toISOString() });
    // Most finished jobs arrive once and have no record yet: claim with If-None-Match: * straight
    // away, and read the record only when one exists (a redelivery, or another suite).
    try {
      return await this.records.put(claim(), null, signal);
    } catch (err) {
      if (!isPreconditionFailure(err)) throw err;
    }
    const found = await this.records.get(jobId, signal);
    const rec = found?.record;
    if (rec && rec.uri === base.uri && rec.state !== "posting") {
      this.stats.skipped++;
      this.logger.info("already sent to the catalog", { event: "catalog.skipped", jobId, state: rec.state, messageId: envelope.messageId });
      return undefined;
    }
    if (rec && rec.uri === base.uri && rec.state === "posting" && rec.owner !== this.opts.owner) {
      const age = Date.now() - Date.parse(rec.at);
      if (age < this.opts.claimLeaseMs) throw new ClaimHeld(rec.owner);
      this.logger.warn("taking over a stale claim", { event: "catalog.claim_taken_over", jobId, owner: rec.owner, ageMs: age });
    }
    // A claim of our own is a predecessor's that died mid-post (this process runs one message of a
    // job at a time): take it over and post again; the catalog upserts by uri.
    try {
      return await this.records.put(claim(), found, signal);
    } catch (err) {
      if (!isPreconditionFailure(err)) throw err;
      this.stats.claimConflicts++;
      throw new ClaimHeld("unknown (lost the claim race)");
    }
  }

  private async post(envelope: Envelope, payload: CatalogPayload, base: Omit<CatalogRecord, "state" | "at">, claim: StoredRecord, signal: AbortSignal): Promise<void> {
    const { jobId } = envelope.body;
    if (this.opts.mock) {
      this.logger.info("MOCK_OAM_API: would POST to the catalog", { event: "catalog.mock", jobId, endpoint: this.client.endpoint, payload });
      await this.save({ ...base, state: "mocked", at: new Date().toISOString() }, signal);
      this.stats.mocked++;
      return;
    }
    // Held from the POST until its outcome is recorded; released while backing off.
    let release: (() => void) | undefined;
    try {
      let attempts = 0;
      let claimedAt = Date.parse(claim.record.at);
      const attempt = async () => {
        release = await this.slots.take(signal);
        try {
          // Before a retry, or a first post that waited long for its slot, refresh our claim so
          // another suite does not take it over meanwhile. Done in line, not in the background:
          // a late refresh landing after the "posted" record would turn it back into our own
          // claim, and the job would be posted again.
          if (attempts++ > 0 || Date.now() - claimedAt > this.opts.claimLeaseMs / 4) {
            const at = new Date();
            await this.records.put({ ...claim.record, at: at.toISOString() }, "any", signal).catch(() => undefined);
            claimedAt = at.getTime();
          }
          return await this.client.post(jobId, payload, signal);
        } catch (err) {
          // A rejection keeps its slot until it is recorded; a transient failure waits without.
          if (!(err instanceof PermanentCatalogError)) {
            release();
            release = undefined;
          }
          throw err;
        }
      };
      const res = await retryForever(attempt, {
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
      this.stats.posted++;
      await this.save({ ...base, state: "posted", at: new Date().toISOString(), httpStatus: res.status }, signal);
    } catch (err) {
      if (!(err instanceof PermanentCatalogError)) throw err;
      this.stats.rejected++;
      this.logger.error("catalog rejected the notification; not retried", {
        event: "catalog.rejected",
        jobId,
        httpStatus: err.status,
        response: err.responseBody,
        recordKey: this.records.key(jobId),
      });
      await this.save({ ...base, state: "rejected", at: new Date().toISOString(), httpStatus: err.status, response: err.responseBody }, signal);
    } finally {
      release?.();
    }
  }

  /** Records an outcome, retrying here: failing back to notify() would post the job again. */
  private save(record: CatalogRecord, signal: AbortSignal): Promise<StoredRecord> {
    return retryForever(() => this.records.put(record, "any", signal), {
      maxDelayMs: this.opts.s3MaxBackoffMs ?? 10_000,
      keepTrying: () => !signal.aborted,
      onFailedAttempt: (err, attempt) =>
        this.logger.warn("writing the catalog record failed, retrying", { event: "catalog.record_failed", jobId: record.jobId, state: record.state, attempt, error: errorMessage(err) }),
    });
  }
}
