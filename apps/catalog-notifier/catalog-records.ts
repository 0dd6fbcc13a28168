// The durable record of what was sent to the catalog, one object per job at
// <prefix>/catalog/<jobId>.json, checked before posting so a job is posted once under redelivery,
// restarts and two suites. A notifier first claims the job ("posting", written with
// If-None-Match/If-Match so only one claim wins), posts, then records the outcome; a rejected
// notification is recorded there too, for an operator.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { catalogRecordKey, errorMessage, isNotFound } from "../shared";

export interface CatalogRecord {
  jobId: string;
  uri: string;
  state: "posting" | "posted" | "mocked" | "rejected";
  /** Which suite wrote it: `<hostname>:<run dir>`. */
  owner: string;
  at: string;
  messageId: string;
  httpStatus?: number;
  response?: string;
}

export interface StoredRecord {
  record: CatalogRecord;
  etag?: string;
}

/** The stored version a write expects: null for "none yet". */
export type Expected = StoredRecord | null | "any";

export class CatalogRecords {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  key(jobId: string): string {
    return catalogRecordKey(this.prefix, jobId);
  }

  async get(jobId: string, signal?: AbortSignal): Promise<StoredRecord | null> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(jobId) }), { abortSignal: signal });
      const text = await res.Body!.transformToString();
      try {
        return { record: JSON.parse(text) as CatalogRecord, etag: res.ETag };
      } catch (err) {
        throw new Error(`catalog record s3://${this.bucket}/${this.key(jobId)} is not valid JSON (${errorMessage(err)})`);
      }
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Writes a record if the stored one is still `expected`; S3 answers 412 otherwise. */
  async put(record: CatalogRecord, expected: Expected, signal?: AbortSignal): Promise<StoredRecord> {
    const condition = expected === "any" ? {} : expected === null ? { IfNoneMatch: "*" } : expected.etag ? { IfMatch: expected.etag } : {};
    const res = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(record.jobId),
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
        ...condition,
      }),
      { abortSignal: signal },
    );
    return { record, etag: res.ETag };
  }
}
