// `oam-status replay`: sends quarantined messages (after an operator fixed their `body` in the
// quarantine record) back to the queue, then deletes their records. A message still invalid is
// quarantined again by the poller, with its new reason. A message is sent with its original
// SentTimestamp as an attribute, so it keeps its place in its job's order.
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ORIGINAL_SENT_TIMESTAMP, type QuarantineRecord } from "../shared/aws/quarantine";

export interface ReplayOptions {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  prefix: string;
  queueUrl: string;
  /** Only this day's folder (yyyy-mm-dd), or one record's key. */
  day?: string;
  key?: string;
  dryRun?: boolean;
  log: (line: string) => void;
}

export async function replay(o: ReplayOptions): Promise<{ replayed: number; skipped: number }> {
  const keys = o.key ? [o.key] : await listQuarantine(o);
  let replayed = 0;
  let skipped = 0;
  for (const key of keys) {
    if (!key.startsWith(`${o.prefix}/quarantine/`)) throw new Error(`${key} is not under ${o.prefix}/quarantine/`);
    const res = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    const record = JSON.parse(await res.Body!.transformToString()) as Partial<QuarantineRecord>;
    if (typeof record.body !== "string" || !record.body.trim()) {
      o.log(`skip ${key}: no body to send`);
      skipped++;
      continue;
    }
    if (o.dryRun) {
      o.log(`would replay ${key} (was: ${record.reason})`);
      replayed++;
      continue;
    }
    const sent = Number(record.sentTimestamp);
    await o.sqs.send(
      new SendMessageCommand({
        QueueUrl: o.queueUrl,
        MessageBody: record.body,
        ...(sent > 0 ? { MessageAttributes: { [ORIGINAL_SENT_TIMESTAMP]: { DataType: "Number", StringValue: String(sent) } } } : {}),
      }),
    );
    await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
    o.log(`replayed ${key} (was: ${record.reason})`);
    replayed++;
  }
  return { replayed, skipped };
}

async function listQuarantine(o: ReplayOptions): Promise<string[]> {
  if (o.day && !/^\d{4}-\d{2}-\d{2}$/.test(o.day)) throw new Error(`--day must be yyyy-mm-dd, got ${o.day}`);
  const prefix = `${o.prefix}/quarantine/${o.day ? `${o.day}/` : ""}`;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!).filter((k) => k.endsWith(".json")));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
