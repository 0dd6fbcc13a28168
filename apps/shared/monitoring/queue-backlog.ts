// The queue's backlog as SQS counts it (ApproximateNumberOfMessages, ...NotVisible), asked at most
// once per interval (OAM_METRICS_BACKLOG_SECONDS, 60 s at least) and only when someone scrapes, so
// an idle suite costs a request a minute at most. Scrapes in between get the last answer.
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";

export interface Backlog {
  visible: number;
  notVisible: number;
  /** When SQS gave these counts, ms since the epoch. */
  at: number;
}

const REQUEST_TIMEOUT_MS = 5000;

export class QueueBacklog {
  private last?: Backlog;
  private askedAt = 0;
  private pending?: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The latest counts, asking SQS first when the last question is older than the interval. */
  async get(now = Date.now()): Promise<Backlog | undefined> {
    if (now - this.askedAt >= this.intervalMs) {
      this.askedAt = now;
      this.pending = this.ask();
    }
    await this.pending;
    return this.last;
  }

  private async ask(): Promise<void> {
    try {
      const res = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      );
      const a = res.Attributes ?? {};
      this.last = { visible: Number(a.ApproximateNumberOfMessages ?? 0), notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0), at: Date.now() };
    } catch (err) {
      this.onError(err);
    }
  }
}
