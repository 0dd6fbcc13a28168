// Invalid messages are kept, with the reason, at <prefix>/quarantine/<day>/<messageId>.json, where an
// operator can read, fix and replay them, before they are deleted from the queue.
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Message } from "@aws-sdk/client-sqs";
import { quarantineKey } from "../shared";

export interface QuarantineRecord {
  messageId: string;
  reason: string;
  quarantinedAt: string;
  sentTimestamp?: number;
  receiveCount?: number;
  /** The body exactly as it arrived. */
  body: string;
}

export class Quarantine {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async keep(message: Message, reason: string, now = new Date()): Promise<string> {
    const messageId = message.MessageId ?? "unknown";
    const key = quarantineKey(this.prefix, messageId, now);
    const record: QuarantineRecord = {
      messageId,
      reason,
      quarantinedAt: now.toISOString(),
      sentTimestamp: Number(message.Attributes?.SentTimestamp) || undefined,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || undefined,
      body: message.Body ?? "",
    };
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(record, null, 2), ContentType: "application/json" }),
    );
    return key;
  }
}
