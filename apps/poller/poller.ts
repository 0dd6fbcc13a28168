// The poller: long-polls SQS, validates, publishes on the bus, and deletes a message from SQS only
// once every consumer that must handle it has acked. While it waits it keeps the message invisible
// and republishes it when an ack is late or a consumer (re)subscribes.
import { unboundedSignal } from "../shared/util/abort";
import { ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { BusServer, requiredConsumers, type Envelope } from "../shared/bus/bus";
import { errorMessage, InvalidMessageError } from "../shared/util/errors";
import { parseBody } from "../shared/domain/message";
import { sleep } from "../shared/util/retry";
import { type PollerConfig } from "../shared/runtime/config";
import { type Logger } from "../shared/runtime/logger";
import { EVENT } from "../shared/runtime/names";
import { drainDeadline } from "../shared/runtime/stop-budget";
import { InFlightTable, type InFlightEntry } from "./in-flight";
import { ORIGINAL_SENT_TIMESTAMP, type Quarantine } from "../shared/aws/quarantine";
import { BatchDeleter, changeVisibility } from "./sqs-batches";

const TICK_MS = 1000;
const MAX_POLL_BACKOFF_MS = 20_000;

export interface PollerDeps {
  config: PollerConfig;
  sqs: SQSClient;
  bus: BusServer;
  quarantine: Quarantine;
  logger: Logger;
}

export class Poller {
  readonly inFlight = new InFlightTable();
  readonly stats = { received: 0, published: 0, republished: 0, acked: 0, quarantined: 0, tests: 0, visibilityExtended: 0, polls: 0, lastPollAt: 0 };
  private readonly deleter: BatchDeleter;
  private readonly abort = unboundedSignal();
  private readonly loops: Array<Promise<void>> = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopping?: Promise<void>;
  private capacityWaiters: Array<() => void> = [];
  private warnedNoSentTimestamp = false;
  private reserved = 0;
  private backlog = false;
  private backlogWaiters: Array<() => void> = [];

  constructor(private readonly deps: PollerDeps) {
    this.deleter = new BatchDeleter(deps.sqs, deps.config.sqs.queueUrl, deps.logger);
  }

  private get cfg() {
    return this.deps.config;
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    const receivers = Array.from({ length: this.cfg.sqs.receiveConcurrency }, (_, i) => this.receiveLoop(i));
    this.loops.push(...receivers, this.ackLoop(), this.subscriptionLoop());
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops intake, waits for in-flight acks until `drainUntil`, hands the rest back to SQS. */
  stop(drainUntil = drainDeadline(this.cfg.stopTimeoutMs)): Promise<void> {
    this.stopping ??= this.doStop(drainUntil);
    return this.stopping;
  }

  private async doStop(drainUntil: number): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake(this.capacityWaiters);
    this.wake(this.backlogWaiters);
    while (this.inFlight.size > 0 && Date.now() < drainUntil) await sleep(50);
    clearInterval(this.timer);
    const left = this.inFlight.all();
    if (left.length) {
      this.deps.logger.info("handing unacked messages back to SQS", { event: "poller.handback", count: left.length });
      await changeVisibility(this.deps.sqs, this.cfg.sqs.queueUrl, left.map(refOf), 0, this.deps.logger);
    }
    await this.deleter.drain();
    this.deps.bus.close();
    await Promise.allSettled(this.loops);
  }

  /**
   * Receiver 0 always polls; the others join only while there is a backlog (the last receive came
   * back full), so an idle poller makes one long poll at a time. Room under the in-flight cap is
   * reserved before a receive, so parallel receivers never overshoot it.
   */
  private async receiveLoop(index: number): Promise<void> {
    let failures = 0;
    while (this.running) {
      if (index > 0 && !this.backlog) {
        await new Promise<void>((resolve) => this.backlogWaiters.push(resolve));
        continue;
      }
      const room = this.cfg.poller.maxInFlight - this.inFlight.size - this.reserved;
      if (room <= 0) {
        await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
        continue;
      }
      const want = Math.min(this.cfg.sqs.batchSize, room);
      this.reserved += want;
      try {
        failures = await this.receiveOnce(want, failures);
      } finally {
        this.reserved -= want;
        this.wake(this.capacityWaiters);
      }
    }
  }

  private wake(waiters: Array<() => void>): void {
    waiters.splice(0).forEach((f) => f());
  }

  /** One ReceiveMessage and the handling of what it brought; returns the failure count. */
  private async receiveOnce(want: number, failures: number): Promise<number> {
    let messages: Message[];
    try {
      const res = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.cfg.sqs.queueUrl,
          MaxNumberOfMessages: want,
          WaitTimeSeconds: this.cfg.sqs.waitSeconds,
          VisibilityTimeout: this.cfg.sqs.visibilitySeconds,
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
          // The older name of the same field: some SQS-compatible servers (local-aws-sqs) only
          // know this one, and without SentTimestamp the ordering of a job's documents is lost.
          // (The SDK types it with queue attribute names, so ask for "All".)
          AttributeNames: ["All"],
          MessageAttributeNames: [ORIGINAL_SENT_TIMESTAMP],
        }),
        { abortSignal: this.abort.signal },
      );
      messages = res.Messages ?? [];
      this.backlog = messages.length >= want;
      if (this.backlog) this.wake(this.backlogWaiters);
      this.stats.polls++;
      this.stats.lastPollAt = Date.now();
      if (failures > 0) this.deps.logger.info("polling again", { event: "sqs.poll_recovered", after: failures });
      failures = 0;
    } catch (err) {
      if (!this.running) return failures;
      failures++;
      // Connection errors and throttling make polling wait instead of spin.
      const delay = Math.min(MAX_POLL_BACKOFF_MS, 250 * 2 ** Math.min(failures, 7)) * (0.5 + Math.random() / 2);
      this.deps.logger.warn("receive failed", { event: "sqs.poll_failed", attempt: failures, retryInMs: Math.round(delay), error: errorMessage(err) });
      await sleep(delay, this.abort.signal);
      return failures;
    }
    // All at once, so that their envelopes leave on the bus together (one message per topic).
    await Promise.all(
      messages.map((m) =>
        this.handle(m).catch((err) => {
          // Left on the queue (or in flight): SQS or the republish timer brings it back.
          this.deps.logger.error("message handling failed", { event: "message.failed", messageId: m.MessageId, error: errorMessage(err) });
        }),
      ),
    );
    return failures;
  }

  private async handle(m: Message): Promise<void> {
    const now = Date.now();
    const messageId = m.MessageId ?? "";
    this.stats.received++;
    const existing = this.inFlight.get(messageId);
    if (existing) {
      // SQS delivered it again while we still wait on acks: only the newest receipt handle works.
      existing.receiptHandle = m.ReceiptHandle ?? existing.receiptHandle;
      existing.visibleAt = now + this.cfg.sqs.visibilitySeconds * 1000;
      return;
    }
    let parsed;
    try {
      parsed = parseBody(m.Body);
    } catch (err) {
      if (err instanceof InvalidMessageError) return this.setAside(m, err.message);
      throw err;
    }
    if (parsed.kind === "test") {
      this.stats.tests++;
      this.deps.logger.info("test message received: the poller is listening", { event: EVENT.messageTest, messageId, body: parsed.body });
      this.deleter.enqueue(messageId, m.ReceiptHandle ?? "");
      return;
    }
    // A replayed message keeps its original place in its job's order.
    const sentTimestamp = Number(m.MessageAttributes?.[ORIGINAL_SENT_TIMESTAMP]?.StringValue) || Number(m.Attributes?.SentTimestamp);
    if (!sentTimestamp && !this.warnedNoSentTimestamp) {
      this.warnedNoSentTimestamp = true;
      this.deps.logger.warn("SQS returned no SentTimestamp: ordering falls back to receive time", { event: "sqs.no_sent_timestamp", messageId });
    }
    const envelope: Envelope = {
      messageId,
      sentTimestamp: sentTimestamp || now,
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount) || 1,
      receivedAt: now,
      publishedAt: now,
      body: parsed.message,
    };
    this.inFlight.add(envelope, m.ReceiptHandle ?? "", requiredConsumers(envelope.body), now + this.cfg.sqs.visibilitySeconds * 1000);
    this.deps.logger.debug("publishing", { event: "message.published", messageId, jobId: envelope.body.jobId, stage: envelope.body.stage, status: envelope.body.status });
    await this.deps.bus.publish(envelope);
    this.stats.published++;
  }

  private async setAside(m: Message, reason: string): Promise<void> {
    const messageId = m.MessageId ?? "unknown";
    try {
      const key = await this.deps.quarantine.keep(m, reason);
      this.stats.quarantined++;
      this.deps.logger.warn("invalid message quarantined", { event: EVENT.messageInvalid, messageId, reason, quarantineKey: key });
      this.deleter.enqueue(messageId, m.ReceiptHandle ?? "");
    } catch (err) {
      // Not kept, so not deleted: SQS delivers it again after the visibility timeout.
      this.deps.logger.error("invalid message could not be quarantined; left on the queue", {
        event: "message.quarantine_failed",
        messageId,
        reason,
        error: errorMessage(err),
      });
    }
  }

  private async ackLoop(): Promise<void> {
    for await (const ack of this.deps.bus.acks()) {
      const done = this.inFlight.ack(ack.consumer, ack.messageId);
      if (!done) continue;
      this.stats.acked++;
      this.deleter.enqueue(done.envelope.messageId, done.receiptHandle);
      this.wake(this.capacityWaiters);
    }
  }

  private async subscriptionLoop(): Promise<void> {
    for await (const topic of this.deps.bus.subscriptions()) {
      const entries = this.inFlight.matching(topic);
      this.deps.logger.info("subscriber joined", { event: "bus.subscribed", topic, republishing: entries.length });
      await this.republish(entries);
    }
  }

  private async republish(entries: InFlightEntry[]): Promise<void> {
    const now = Date.now();
    await Promise.all(
      entries.map((e) => {
        e.lastPublishedAt = now;
        e.publishCount++;
        this.stats.republished++;
        return this.deps.bus.publish(e.envelope);
      }),
    );
  }

  private tick(): void {
    const now = Date.now();
    const late = this.inFlight.overdue(now, this.cfg.poller.ackTimeoutMs);
    if (late.length) {
      this.deps.logger.info("republishing messages whose ack is late", { event: "message.republished", count: late.length });
      void this.republish(late);
    }
    // Keep in-flight messages invisible: extend when less than half the timeout is left.
    const visibilityMs = this.cfg.sqs.visibilitySeconds * 1000;
    const expiring = this.inFlight.expiring(now, visibilityMs / 2);
    if (expiring.length) {
      for (const e of expiring) e.visibleAt = now + visibilityMs;
      this.stats.visibilityExtended += expiring.length;
      void changeVisibility(this.deps.sqs, this.cfg.sqs.queueUrl, expiring.map(refOf), this.cfg.sqs.visibilitySeconds, this.deps.logger);
    }
  }

  get deletedCount(): number {
    return this.deleter.deleted;
  }

  get deleteCalls(): number {
    return this.deleter.calls;
  }
}

function refOf(e: InFlightEntry) {
  return { messageId: e.envelope.messageId, receiptHandle: e.receiptHandle };
}
