// The status writer: turns each envelope into its job's status document, never replacing a newer
// document with an older message. Messages of one job are written one after another; different jobs
// in parallel. A conditional write that loses to another writer re-reads and decides again.
//
// On a store that ignores conditional writes (store-probe.ts) the writer reads the stored rank
// before any write whose stored version it does not know; since it runs a job's messages one after
// another and remembers what it wrote, that keeps one suite from ever regressing a document.
//
// A message whose write keeps failing while other writes succeed (a key the credentials may not
// write) is set aside in quarantine once out of its bound (message-bound.ts), and acked.
//
// Coalescing: when a newer message of the same job is already waiting behind an older one (a burst,
// or a backlog after an outage), the older one is not written at all; it is done, and acked, once
// the newer one's document is durable. One PUT instead of several, and no window in which the older
// state is visible.
import { buildStatusDocument } from "../shared/domain/status-document";
import { compareRank, rankOf, type Rank } from "../shared/domain/message";
import { errorMessage } from "../shared/util/errors";
import { isPreconditionFailure } from "../shared/aws/aws-errors";
import { KeyedQueue } from "../shared/util/keyed-queue";
import { LruMap } from "../shared/util/lru";
import { retryForever } from "../shared/util/retry";
import { statusKey } from "../shared/domain/keys";
import { type Envelope } from "../shared/bus/bus";
import { type Logger } from "../shared/runtime/logger";
import { deferred } from "../shared/util/deferred";
import { EVENT } from "../shared/runtime/names";
import { DependencyHealth } from "../shared/domain/message-bound";
import { BoundedWork, type SetAsideOptions } from "../shared/aws/quarantine";
import { conditionsDecide } from "../shared/aws/store-probe";
import type { DocumentStore, StoredVersion } from "./document-store";

const MAX_CONFLICTS = 10;

export type WriteOutcome = "written" | "stale";

/** The newest message of a job not yet settled, and its outcome for the older ones that wait on it. */
interface Newest {
  rank: Rank;
  settled: Promise<unknown>;
}

export interface StatusWriterOptions extends SetAsideOptions {
  /** Longest wait between retries of a failed write. */
  maxBackoffMs: number;
}

export class StatusWriter {
  readonly stats = { written: 0, stale: 0, superseded: 0, conflicts: 0, retries: 0, quarantined: 0, lastWriteMs: 0 };
  private readonly s3Health = new DependencyHealth();
  private readonly newest = new Map<string, Newest>();
  /** Last version we know of per job key: spares reading it before each write. */
  private readonly known = new LruMap<string, StoredVersion>(20_000);
  private readonly perJob = new KeyedQueue();
  private readonly bounded: BoundedWork;

  constructor(
    private readonly store: DocumentStore,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly opts: StatusWriterOptions,
  ) {
    this.bounded = new BoundedWork("status-writer", opts, logger);
  }

  /** Handler for the bus consumer: resolves once the document is durable (or known to be newer). */
  handle = async (envelope: Envelope, signal: AbortSignal): Promise<void> => {
    const key = statusKey(this.prefix, envelope.body.jobId);
    const rank = rankOf(envelope.body, envelope.sentTimestamp);
    const settle = deferred();
    settle.promise.catch(() => undefined); // awaited only by superseded messages, if any
    const current = this.newest.get(key);
    const mine: Newest = { rank, settled: settle.promise };
    if (!current || compareRank(rank, current.rank) > 0) this.newest.set(key, mine);
    try {
      const newer = await this.perJob.run(key, async () => {
        const latest = this.newest.get(key);
        if (latest && latest !== mine && compareRank(latest.rank, rank) > 0) return latest;
        await this.writeOrQuarantine(key, envelope, signal);
        return undefined;
      });
      if (newer) {
        // A newer message of this job waits behind us: its document makes ours redundant.
        this.stats.superseded++;
        this.logger.debug("superseded by a newer message of the job, not written", { event: "status.superseded", key, messageId: envelope.messageId });
        await newer.settled;
      }
      settle.resolve();
    } catch (err) {
      settle.reject(err);
      throw err;
    } finally {
      if (this.newest.get(key) === mine) this.newest.delete(key);
    }
  };

  private async writeOrQuarantine(key: string, envelope: Envelope, signal: AbortSignal): Promise<void> {
    const setAside = await this.bounded.run(envelope, key, signal, (budget) =>
      retryForever(() => this.write(key, envelope, signal), {
        maxDelayMs: this.opts.maxBackoffMs,
        keepTrying: () => !signal.aborted && !budget?.exhausted(),
        onFailedAttempt: (err, attempt) => {
          this.stats.retries++;
          this.known.delete(key);
          budget?.failed(this.s3Health, errorMessage(err));
          const level = attempt % 10 === 0 ? "error" : "warn";
          this.logger.log(level, "status write failed, retrying", { event: "status.write_failed", key, messageId: envelope.messageId, attempt, error: errorMessage(err) });
        },
      }),
    );
    if (setAside) this.stats.quarantined++;
  }

  async write(key: string, envelope: Envelope, signal?: AbortSignal): Promise<WriteOutcome> {
    const rank = rankOf(envelope.body, envelope.sentTimestamp);
    // A job this writer has not seen yet is most likely new: where the store honours conditional
    // writes, write with If-None-Match: * and read the stored version only if there is one (one
    // request instead of a HEAD and a PUT). Anywhere else, read first.
    const cached = this.known.get(key);
    let current = cached ?? null;
    let guessed = cached === undefined;
    if (guessed && !conditionsDecide(this.store.capability)) {
      current = await this.store.head(key, signal);
      this.s3Health.succeeded();
      guessed = false;
    }
    for (let conflicts = 0; ; conflicts++) {
      if (current?.rank && compareRank(rank, current.rank) <= 0) {
        this.stats.stale++;
        this.logger.debug("older than the stored document, not written", { event: "status.stale", key, messageId: envelope.messageId });
        return "stale";
      }
      const started = Date.now();
      try {
        const doc = buildStatusDocument(envelope.body, new Date());
        const stored = await this.store.put(key, doc, rank, current, signal);
        this.s3Health.succeeded();
        this.known.set(key, stored);
        this.stats.written++;
        this.stats.lastWriteMs = Date.now() - started;
        const now = Date.now();
        // The latencies `npm run bench` reads: SQS receive -> document durable, and the bus hop.
        this.logger.debug("status written", {
          event: EVENT.statusWritten,
          key,
          messageId: envelope.messageId,
          status: doc.status,
          stage: doc.stage,
          receivedToDurableMs: now - envelope.receivedAt,
          sentToDurableMs: now - envelope.sentTimestamp,
          busHopMs: envelope.arrivedAt ? Math.round((envelope.arrivedAt - envelope.publishedAt) * 100) / 100 : undefined,
        });
        return "written";
      } catch (err) {
        if (!isPreconditionFailure(err) || conflicts >= MAX_CONFLICTS) throw err;
        // A document exists after all, or another writer changed it since we looked: look again.
        if (!guessed) this.stats.conflicts++;
        this.known.delete(key);
        current = await this.store.head(key, signal);
        this.s3Health.succeeded();
        guessed = false;
      }
    }
  }
}
