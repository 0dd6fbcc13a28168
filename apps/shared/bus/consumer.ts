// What both bus consumers share: receive envelopes, skip what is already done or under way (the
// poller republishes, SQS redelivers), run the handler, ack once the handler's work is durable.
import { setImmediate as nextTurn } from "node:timers/promises";
import { unboundedSignal } from "../util/abort";
import type { BusClient, Envelope } from "./bus";
import { errorMessage } from "../util/errors";
import type { Logger } from "../runtime/logger";
import { LruMap } from "../util/lru";
import { sleep } from "../util/retry";
import { ABORT_GRACE_MS, drainDeadline } from "../runtime/stop-budget";

export type Handler = (envelope: Envelope, signal: AbortSignal) => Promise<void>;

export class BusConsumer {
  readonly stats = { received: 0, duplicates: 0, handled: 0, acked: 0, failed: 0 };
  private readonly done = new LruMap<string, true>(50_000);
  private readonly active = new Map<string, Promise<void>>();
  private readonly abort = unboundedSignal();
  private loop?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(
    private readonly bus: BusClient,
    private readonly handler: Handler,
    private readonly logger: Logger,
    private readonly stopTimeoutMs: number,
  ) {}

  get inFlight(): number {
    return this.active.size;
  }

  start(): void {
    if (this.loop || this.stopping) return;
    this.bus.start();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for await (const envelope of this.bus.envelopes()) {
      this.stats.received++;
      const id = envelope.messageId;
      if (this.done.has(id)) {
        // Done before: the ack may have been lost, so send it again.
        this.stats.duplicates++;
        void this.sendAck(id);
        continue;
      }
      if (this.active.has(id)) {
        this.stats.duplicates++;
        continue;
      }
      // Started on the next turn of the event loop, not now: the envelopes already waiting on the
      // socket are taken off it first (their arrival times stay true, and a handler sees the
      // whole burst, which lets the status writer coalesce a job's messages).
      const work = nextTurn()
        .then(() => this.handle(envelope))
        .finally(() => this.active.delete(id));
      this.active.set(id, work);
    }
  }

  private async handle(envelope: Envelope): Promise<void> {
    try {
      await this.handler(envelope, this.abort.signal);
    } catch (err) {
      // Not acked: the poller republishes it, or SQS redelivers it.
      this.stats.failed++;
      if (!this.abort.signal.aborted) {
        this.logger.error("handling failed", { event: "message.failed", messageId: envelope.messageId, jobId: envelope.body.jobId, error: errorMessage(err) });
      }
      return;
    }
    this.stats.handled++;
    this.done.set(envelope.messageId, true);
    await this.sendAck(envelope.messageId);
  }

  private async sendAck(messageId: string): Promise<void> {
    try {
      await this.bus.ack(messageId);
      this.stats.acked++;
    } catch (err) {
      this.logger.warn("ack failed", { event: "bus.ack_failed", messageId, error: errorMessage(err) });
    }
  }

  /** Stops intake, lets in-flight work finish until `drainUntil`, aborts what is left (unacked). */
  stop(drainUntil = drainDeadline(this.stopTimeoutMs)): Promise<void> {
    this.stopping ??= (async () => {
      this.bus.closeIntake();
      while (this.active.size > 0 && Date.now() < drainUntil) await sleep(25);
      if (this.active.size > 0) {
        this.logger.info("abandoning unfinished work; the poller hands it back", { event: "consumer.abandon", count: this.active.size });
        this.abort.abort();
        await Promise.race([Promise.allSettled(this.active.values()), sleep(ABORT_GRACE_MS)]);
      }
      await this.loop;
      this.bus.close();
    })();
    return this.stopping;
  }
}
