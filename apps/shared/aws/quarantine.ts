// Messages set aside for an operator, with the reason, at <prefix>/quarantine/<day>/<name>.json,
// where they can be read, fixed and replayed (`oam-status replay`) before they are deleted from the
// queue. The poller keeps invalid messages here; a consumer keeps a valid message whose work kept
// failing for that message alone (its bound, see message-bound.ts).
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import type { Envelope } from "../bus/bus";
import { quarantineKey } from "../domain/keys";
import { FailureBudget, type MessageBoundOptions } from "../domain/message-bound";
import type { Logger } from "../runtime/logger";
import { EVENT } from "../runtime/names";

/**
 * The SQS message attribute with which `oam-status replay` sends a message's original SentTimestamp:
 * the poller ranks the message by it, so a replayed old status never outranks newer ones of its job.
 */
export const ORIGINAL_SENT_TIMESTAMP = "OamSentTimestamp";

export interface QuarantineRecord {
  messageId: string;
  reason: string;
  quarantinedAt: string;
  /** Which app set it aside. */
  app?: string;
  /** Replay sends it with this SentTimestamp, so a replayed message keeps its place in its job's order. */
  sentTimestamp?: number;
  receiveCount?: number;
  /** The body exactly as it arrived (for a valid message, the message as parsed). */
  body: string;
}

export class Quarantine {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  /** An SQS message that is not a valid status message (the poller). */
  keep(message: Message, reason: string, now = new Date()): Promise<string> {
    const messageId = message.MessageId ?? "unknown";
    return this.put(quarantineKey(this.prefix, messageId, now), {
      messageId,
      reason,
      quarantinedAt: now.toISOString(),
      app: "poller",
      sentTimestamp: Number(message.Attributes?.SentTimestamp) || undefined,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || undefined,
      body: message.Body ?? "",
    });
  }

  /**
   * A valid message a consumer gave up on (one record per consumer, so neither hides the other's),
   * reported at error level so that it is mailed.
   */
  async setAside(envelope: Envelope, app: string, reason: string, logger: Logger): Promise<string> {
    const key = await this.keepEnvelope(envelope, app, reason);
    logger.error("message set aside in quarantine: its work kept failing while other work succeeded", {
      event: EVENT.messageQuarantined,
      messageId: envelope.messageId,
      jobId: envelope.body.jobId,
      reason,
      quarantineKey: key,
    });
    return key;
  }

  private keepEnvelope(envelope: Envelope, app: string, reason: string, now = new Date()): Promise<string> {
    return this.put(quarantineKey(this.prefix, `${envelope.messageId}.${app}`, now), {
      messageId: envelope.messageId,
      reason,
      quarantinedAt: now.toISOString(),
      app,
      sentTimestamp: envelope.sentTimestamp,
      receiveCount: envelope.receiveCount,
      body: JSON.stringify(envelope.body),
    });
  }

  private async put(key: string, record: QuarantineRecord): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(record, null, 2), ContentType: "application/json" }));
    return key;
  }
}

/** Where a consumer sets a message aside once out of its bound; without both, a failing message is retried for as long as it takes. */
export interface SetAsideOptions {
  quarantine?: Quarantine;
  bound?: MessageBoundOptions;
}

/** A consumer's work on one message at a time, within the message's bound (message-bound.ts). */
export class BoundedWork {
  constructor(
    private readonly app: string,
    private readonly opts: SetAsideOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `work` with the message's failure budget. When the work gives up because the message is
   * out of its bound (not because of a stop), sets it aside and resolves true: the caller acks it.
   * Any other failure is thrown. `what` names the work in the quarantine record's reason.
   */
  async run(envelope: Envelope, what: string, signal: AbortSignal, work: (budget: FailureBudget | undefined) => Promise<unknown>): Promise<boolean> {
    const { quarantine, bound } = this.opts;
    if (!quarantine || !bound) {
      await work(undefined);
      return false;
    }
    const budget = new FailureBudget(envelope.sentTimestamp, bound);
    try {
      await work(budget);
      return false;
    } catch (err) {
      if (signal.aborted || !budget.exhausted()) throw err;
      await quarantine.setAside(envelope, this.app, `${this.app} gave up on ${what}: ${budget.describe()}`, this.logger);
      return true;
    }
  }
}
