// The catalog notifier: one POST per finished mosaic. Per job: claim the job in its record, post
// (retried with backoff and jitter for as long as the failure is transient), record the outcome.
// Jobs run in parallel, so a slow or failing one never blocks the others; messages of one job run
// one after another.
//
// Once to the catalog: when a post's outcome is unknown (a claim left in "posting" by a notifier
// that died, ours before a restart or another suite's gone stale; a post of ours that timed out or
// was cut off) the catalog is asked (GET /tms?uri=) before posting, and the job recorded "posted"
// without posting when the catalog has the uri.
//
// At most `maxConcurrentPosts` jobs are between their POST and its recorded outcome at once, which
// bounds what a kill can leave unknown. A job waits for its next try without a slot, so jobs backing
// off during a catalog outage never hold up the others.
//
// A refused token (401, 403) is not the job's fault: it is retried until the token works (token-alarm.ts).
// A job whose post keeps failing while the catalog accepts others is set aside in quarantine once
// out of its bound (message-bound.ts), and acked.
import { buildCatalogPayload, type CatalogPayload } from "../shared/domain/catalog-payload";
import { CatalogAuthError, errorMessage, PermanentCatalogError, TransientError } from "../shared/util/errors";
import { isPreconditionFailure } from "../shared/aws/aws-errors";
import { KeyedQueue } from "../shared/util/keyed-queue";
import { retryForever, sleep } from "../shared/util/retry";
import { type Envelope } from "../shared/bus/bus";
import { type Logger } from "../shared/runtime/logger";
import { DependencyHealth, type FailureBudget } from "../shared/domain/message-bound";
import { BoundedWork, type SetAsideOptions } from "../shared/aws/quarantine";
import { conditionsDecide } from "../shared/aws/store-probe";
import type { CatalogClient, CatalogResult, Lookup } from "./catalog-client";
import type { CatalogRecord, CatalogRecords, StoredRecord } from "./catalog-records";
import { Slots } from "./slots";
import { TokenAlarm } from "./token-alarm";

export interface NotifierOptions extends SetAsideOptions {
  mock: boolean;
  maxBackoffMs: number;
  /** Longest wait between retries of S3 calls. */
  s3MaxBackoffMs: number;
  /** First wait before retrying a catalog request; it doubles up to maxBackoffMs. */
  startingDelayMs: number;
  /** Who we are in claims: `<hostname>:<run dir>`, the same across restarts of this suite. */
  owner: string;
  /** A claim by another suite older than this is taken over (it must have died). */
  claimLeaseMs: number;
  /** Jobs between their POST and its recorded outcome at once (OAM_CATALOG_CONCURRENCY). */
  maxConcurrentPosts: number;
}

/** Another suite holds a fresh claim on the job (or won the race to claim it): wait and look again. */
interface HeldBy {
  heldBy: string;
}

type Base = Omit<CatalogRecord, "state" | "at">;

/** What a post came to: the catalog's answer, or "found" (an earlier post whose outcome was unknown had reached it). */
type Answer = CatalogResult | PermanentCatalogError | "found";

/** Our claim on a job, and whether an earlier post's outcome is unknown (a claim left by a dead notifier). */
interface Claim {
  stored: StoredRecord & { record: CatalogRecord };
  outcomeUnknown: boolean;
}

export class CatalogNotifier {
  readonly stats = { posted: 0, mocked: 0, skipped: 0, retries: 0, rejected: 0, claimConflicts: 0, foundInCatalog: 0, quarantined: 0 };
  readonly tokenAlarm: TokenAlarm;
  private readonly perJob = new KeyedQueue();
  private readonly slots: Slots;
  private readonly catalogHealth = new DependencyHealth();
  private readonly s3Health = new DependencyHealth();
  private readonly bounded: BoundedWork;

  constructor(
    private readonly client: CatalogClient,
    private readonly records: CatalogRecords,
    private readonly logger: Logger,
    private readonly opts: NotifierOptions,
  ) {
    this.slots = new Slots(opts.maxConcurrentPosts);
    this.tokenAlarm = new TokenAlarm(logger);
    this.bounded = new BoundedWork("catalog-notifier", opts, logger);
  }

  /** Jobs between their POST and its recorded outcome now. */
  get postsInProgress(): number {
    return this.slots.inUse;
  }

  handle = (envelope: Envelope, signal: AbortSignal): Promise<void> =>
    this.perJob.run(envelope.body.jobId, async () => {
      const setAside = await this.bounded.run(envelope, `job ${envelope.body.jobId}`, signal, (budget) => this.notify(envelope, budget, signal));
      if (setAside) this.stats.quarantined++;
    });

  private async notify(envelope: Envelope, budget: FailureBudget | undefined, signal: AbortSignal): Promise<void> {
    const payload = buildCatalogPayload(envelope.body);
    const base: Base = { jobId: envelope.body.jobId, uri: payload.uri, owner: this.opts.owner, messageId: envelope.messageId };
    const claim = await this.claimOnceFree(envelope, base, budget, signal);
    if (!claim) return;
    if (this.opts.mock) {
      this.logger.info("MOCK_OAM_API: would POST to the catalog", { event: "catalog.mock", jobId: base.jobId, endpoint: this.client.endpoint, payload });
      await this.save({ ...base, state: "mocked", at: new Date().toISOString() }, signal);
      this.stats.mocked++;
      return;
    }
    await this.postUntilAnswered(base, payload, claim, budget, signal);
  }

  /** Claims the job, waiting (with backoff) while another suite holds it; undefined when it was sent already. */
  private async claimOnceFree(envelope: Envelope, base: Base, budget: FailureBudget | undefined, signal: AbortSignal): Promise<Claim | undefined> {
    for (let attempt = 1; ; attempt++) {
      const claim = await this.untilStored(() => this.claim(envelope, base, signal), base.jobId, budget, signal);
      if (!claim || !("heldBy" in claim)) return claim;
      this.logger.info("waiting for another suite's claim", { event: "catalog.claim_held", jobId: base.jobId, owner: claim.heldBy, attempt });
      await sleep(Math.random() * Math.min(this.opts.s3MaxBackoffMs, 200 * 2 ** Math.min(attempt, 16)), signal);
      if (signal.aborted) throw new Error("stopped while another suite held the job's claim");
    }
  }

  /** Runs an S3 step until the store answers; each failure counts against the job's bound. */
  private async untilStored<T>(step: () => Promise<T>, jobId: string, budget: FailureBudget | undefined, signal: AbortSignal): Promise<T> {
    const result = await retryForever(step, {
      startingDelayMs: 200,
      maxDelayMs: this.opts.s3MaxBackoffMs,
      keepTrying: () => !signal.aborted && !budget?.exhausted(),
      onFailedAttempt: (err, attempt) => {
        if (signal.aborted) return;
        budget?.failed(this.s3Health, errorMessage(err));
        this.logger.warn("catalog notification step failed, retrying", { event: "catalog.step_failed", jobId, attempt, error: errorMessage(err) });
      },
    });
    this.s3Health.succeeded();
    return result;
  }

  /** Claims the job for this suite ("posting"); undefined when it was sent already. */
  private async claim(envelope: Envelope, base: Base, signal: AbortSignal): Promise<Claim | HeldBy | undefined> {
    const { jobId } = base;
    const claim = (): CatalogRecord => ({ ...base, state: "posting", at: new Date().toISOString() });
    // Most finished jobs arrive once and have no record yet. Where the store honours conditional
    // writes, claim with If-None-Match: * straight away and read the record only when one exists
    // (a redelivery, or another suite); anywhere else, read first.
    if (conditionsDecide(this.records.capability)) {
      try {
        return { stored: await this.records.put(claim(), null, signal), outcomeUnknown: false } as Claim;
      } catch (err) {
        if (!isPreconditionFailure(err)) throw err;
      }
    }
    const found = await this.records.get(jobId, signal);
    const rec = found?.record;
    let outcomeUnknown = false;
    if (found && !rec) {
      // A record write was cut off: what it said is lost, so whether the job was posted is unknown.
      this.logger.warn("the job's catalog record is unreadable; asking the catalog before posting", { event: "catalog.record_unreadable", jobId, recordKey: this.records.key(jobId) });
      outcomeUnknown = true;
    } else if (rec && rec.uri === base.uri && rec.state !== "posting") {
      this.stats.skipped++;
      this.logger.info("already sent to the catalog", { event: "catalog.skipped", jobId, state: rec.state, messageId: envelope.messageId });
      return undefined;
    } else if (rec && rec.uri === base.uri && rec.state === "posting") {
      // Our own claim is a predecessor's that died mid-post (this process runs one message of a job
      // at a time); another suite's is waited for until it is stale.
      const age = Date.now() - Date.parse(rec.at);
      if (rec.owner !== this.opts.owner) {
        if (age < this.opts.claimLeaseMs) return { heldBy: rec.owner };
        this.logger.warn("taking over a stale claim", { event: "catalog.claim_taken_over", jobId, owner: rec.owner, ageMs: age });
      }
      outcomeUnknown = true;
    }
    try {
      return { stored: await this.records.put(claim(), found, signal), outcomeUnknown } as Claim;
    } catch (err) {
      if (!isPreconditionFailure(err)) throw err;
      this.stats.claimConflicts++;
      return { heldBy: "unknown (lost the claim race)" };
    }
  }

  /** Whether the catalog has the uri (one request); a catalog that cannot say gets the post. */
  private async catalogHas(uri: string, jobId: string, signal: AbortSignal): Promise<boolean> {
    const answer: Lookup = await this.client.lookup(uri, signal);
    if ("unknown" in answer) {
      this.logger.info("the catalog cannot say whether it has the job; posting", { event: "catalog.lookup_unanswered", jobId, why: answer.unknown });
      return false;
    }
    return answer.found;
  }

  /**
   * Posts until the catalog answers for good (2xx or a rejection) and records the answer. While an
   * earlier post's outcome is unknown (a dead predecessor's, or our own that timed out or was cut
   * off) the catalog is asked before each post, and a uri it has is recorded "posted" without
   * posting. Each try holds a slot from its post to the recorded outcome; backing off, it holds none.
   */
  private postUntilAnswered(base: Base, payload: CatalogPayload, claim: Claim, budget: FailureBudget | undefined, signal: AbortSignal): Promise<void> {
    let tries = 0;
    let claimedAt = Date.parse(claim.stored.record.at);
    let outcomeUnknown = claim.outcomeUnknown;
    const postOnce = async (): Promise<Answer> => {
      // Before a retry, or a first post that waited long for its slot, refresh our claim so
      // another suite does not take it over meanwhile. Done in line, not in the background:
      // a late refresh landing after the "posted" record would turn it back into our own
      // claim, and the job would be posted again.
      if (tries++ > 0 || Date.now() - claimedAt > this.opts.claimLeaseMs / 4) {
        const at = new Date();
        await this.records.put({ ...claim.stored.record, at: at.toISOString() }, "any", signal).catch(() => undefined);
        claimedAt = at.getTime();
      }
      if (outcomeUnknown && (await this.catalogHas(payload.uri, base.jobId, signal))) return "found";
      outcomeUnknown = false;
      const answer = await this.client.post(base.jobId, payload, signal).catch((err: unknown) => {
        if (err instanceof PermanentCatalogError) return err;
        if (err instanceof TransientError && err.outcomeUnknown) outcomeUnknown = true;
        throw err;
      });
      this.tokenAlarm.accepted();
      return answer;
    };
    return retryForever(
      () =>
        this.slots.use(signal, async () => {
          const answer = await postOnce();
          this.catalogHealth.succeeded();
          await this.recordAnswer(base, answer, signal);
        }),
      this.catalogRetry(base.jobId, budget, signal),
    );
  }

  /** Retrying a catalog request: a refused token rings the alarm; anything else counts against the job's bound. */
  private catalogRetry(jobId: string, budget: FailureBudget | undefined, signal: AbortSignal) {
    return {
      startingDelayMs: this.opts.startingDelayMs,
      maxDelayMs: this.opts.maxBackoffMs,
      keepTrying: () => !signal.aborted && !budget?.exhausted(),
      onFailedAttempt: (err: unknown, attempt: number) => {
        if (signal.aborted) return; // cut off by a stop, not a failure: the poller hands the job back
        this.stats.retries++;
        if (err instanceof CatalogAuthError) return this.tokenAlarm.refused(err, jobId);
        budget?.failed(this.catalogHealth, errorMessage(err));
        this.logger.warn("catalog request failed, retrying", { event: "catalog.retry", jobId, attempt, error: errorMessage(err) });
      },
    };
  }

  private async recordAnswer(base: Base, answer: Answer, signal: AbortSignal): Promise<void> {
    const at = new Date().toISOString();
    if (answer === "found") {
      this.stats.foundInCatalog++;
      this.logger.info("the catalog already has this job's tiles from an earlier post; recorded, not posted again", { event: "catalog.found", jobId: base.jobId, uri: base.uri });
      await this.save({ ...base, state: "posted", at }, signal);
      return;
    }
    if (!(answer instanceof PermanentCatalogError)) {
      this.logger.info("posted to the catalog", { event: "catalog.posted", jobId: base.jobId, uri: base.uri, httpStatus: answer.status });
      this.stats.posted++;
      await this.save({ ...base, state: "posted", at, httpStatus: answer.status }, signal);
      return;
    }
    this.stats.rejected++;
    this.logger.error("catalog rejected the notification; not retried", {
      event: "catalog.rejected",
      jobId: base.jobId,
      httpStatus: answer.status,
      response: answer.responseBody,
      recordKey: this.records.key(base.jobId),
    });
    await this.save({ ...base, state: "rejected", at, httpStatus: answer.status, response: answer.responseBody }, signal);
  }

  /** Records an outcome, retrying here: failing back to notify() would post the job again. */
  private save(record: CatalogRecord, signal: AbortSignal): Promise<StoredRecord> {
    return retryForever(() => this.records.put(record, "any", signal), {
      maxDelayMs: this.opts.s3MaxBackoffMs,
      keepTrying: () => !signal.aborted,
      onFailedAttempt: (err, attempt) =>
        this.logger.warn("writing the catalog record failed, retrying", { event: "catalog.record_failed", jobId: record.jobId, state: record.state, attempt, error: errorMessage(err) }),
    });
  }
}
