// The durable record of what was sent to the catalog, one object per job at
// <prefix>/catalog/<jobId>.json, checked before posting so a job is posted once under redelivery,
// restarts and two suites. A notifier first claims the job ("posting", written with
// If-None-Match/If-Match so only one claim wins), posts, then records the outcome; a rejected
// notification is recorded there too, for an operator. On a store that ignores conditional writes
// the conditions are left out and the notifier reads the record before claiming (store-probe.ts).
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { catalogRecordKey } from "../shared/domain/keys";
import { isNotFound } from "../shared/aws/aws-errors";
import { writeConditions, type StoreModeSource } from "../shared/aws/store-probe";

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
  /** Undefined when the stored object is not a record (a write cut off on a store that keeps torn bodies). */
  record?: CatalogRecord;
  etag?: string;
}

/** The stored version a write expects: null for "none yet". */
export type Expected = StoredRecord | null | "any";

export class CatalogRecords {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    /** What the store does with conditional writes. */
    readonly capability: StoreModeSource,
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
      } catch {
        return { etag: res.ETag };
      }
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Writes a record if the stored one is still `expected`; S3 answers 412 otherwise. */
  async put(record: CatalogRecord, expected: Expected, signal?: AbortSignal): Promise<StoredRecord> {
    const res = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(record.jobId),
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
        ...(expected === "any" ? {} : writeConditions(this.capability, expected)),
      }),
      { abortSignal: signal },
    );
    return { record, etag: res.ETag };
  }
}
