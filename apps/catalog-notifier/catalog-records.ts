// The durable record of what was sent to the catalog, one object per job at
// <prefix>/catalog/<jobId>.json, checked before posting so a job is posted once also under
// redelivery and restarts. A rejected notification is recorded there too, for an operator.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { catalogRecordKey, isNotFound } from "../shared";

export interface CatalogRecord {
  jobId: string;
  uri: string;
  state: "posted" | "mocked" | "rejected";
  at: string;
  messageId: string;
  httpStatus?: number;
  response?: string;
}

export class CatalogRecords {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  key(jobId: string): string {
    return catalogRecordKey(this.prefix, jobId);
  }

  async get(jobId: string, signal?: AbortSignal): Promise<CatalogRecord | null> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(jobId) }), { abortSignal: signal });
      return JSON.parse(await res.Body!.transformToString()) as CatalogRecord;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async put(record: CatalogRecord, signal?: AbortSignal): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(record.jobId),
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
      }),
      { abortSignal: signal },
    );
  }
}
