// SQS calls that take up to 10 entries at a time: deleting acked messages and changing the
// visibility of in-flight ones. Requests are coalesced into batches and a few run at once.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { errorMessage } from "../shared/util/errors";
import { type Logger } from "../shared/runtime/logger";

const MAX_BATCH = 10;
const MAX_CONCURRENT = 4;

interface Pending {
  id: string;
  receiptHandle: string;
}

/** Deletes messages in batches of up to 10, as full as the pace of acks allows. */
export class BatchDeleter {
  private readonly pending: Pending[] = [];
  private active = 0;
  private idle: Array<() => void> = [];
  deleted = 0;
  failed = 0;
  /** DeleteMessageBatch requests made. */
  calls = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly logger: Logger,
  ) {}

  enqueue(messageId: string, receiptHandle: string): void {
    this.pending.push({ id: messageId, receiptHandle });
    this.pump();
  }

  /**
   * Full batches go at once (up to MAX_CONCURRENT requests); a partial one only when no request is
   * out. Acks come one by one: sent as they came, most batches held one or two messages. Held
   * while a request is out, they gather into full batches under load, and still go at once when
   * the poller is quiet. No timer.
   */
  private pump(): void {
    while (this.active < MAX_CONCURRENT && (this.pending.length >= MAX_BATCH || (this.active === 0 && this.pending.length > 0))) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.active++;
      // send() handles its own failures (SQS redelivers what was not deleted): it never rejects.
      void this.send(batch).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.pending.length === 0) this.idle.splice(0).forEach((f) => f());
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    // Batch entry ids must be unique and short; the index is enough.
    const byIndex = new Map(batch.map((p, i) => [String(i), p]));
    this.calls++;
    try {
      const res = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((p, i) => ({ Id: String(i), ReceiptHandle: p.receiptHandle })),
        }),
      );
      this.deleted += res.Successful?.length ?? 0;
      for (const f of res.Failed ?? []) {
        this.failed++;
        // SQS will deliver it again; the consumers are idempotent.
        this.logger.warn("delete failed", { event: "sqs.delete_failed", messageId: byIndex.get(f.Id ?? "")?.id, code: f.Code, reason: f.Message });
      }
    } catch (err) {
      this.failed += batch.length;
      this.logger.warn("delete batch failed", { event: "sqs.delete_failed", messageIds: batch.map((p) => p.id), error: errorMessage(err) });
    }
  }

  /** Resolves once everything enqueued so far has been sent. */
  drain(): Promise<void> {
    if (this.active === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

/** Sets the visibility timeout of many messages, 10 per request. */
export async function changeVisibility(
  sqs: SQSClient,
  queueUrl: string,
  entries: Array<{ messageId: string; receiptHandle: string }>,
  seconds: number,
  logger: Logger,
): Promise<void> {
  for (let i = 0; i < entries.length; i += MAX_BATCH) {
    const batch = entries.slice(i, i + MAX_BATCH);
    try {
      const res = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((e, j) => ({ Id: String(j), ReceiptHandle: e.receiptHandle, VisibilityTimeout: seconds })),
        }),
      );
      for (const f of res.Failed ?? []) {
        logger.warn("visibility change failed", { event: "sqs.visibility_failed", messageId: batch[Number(f.Id)]?.messageId, code: f.Code, reason: f.Message });
      }
    } catch (err) {
      logger.warn("visibility batch failed", { event: "sqs.visibility_failed", messageIds: batch.map((e) => e.messageId), error: errorMessage(err) });
    }
  }
}
