// Status documents in S3. Each carries its rank (SentTimestamp, stage, status) in the object's
// metadata, so the writer can tell whether an incoming message is newer without reading the body.
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { formatRank, parseRank, type Rank } from "../shared/domain/message";
import { isNotFound } from "../shared/aws/aws-errors";
import { type StatusDocument } from "../shared/domain/status-document";
import { writeConditions, type StoreModeSource } from "../shared/aws/store-probe";

export const RANK_METADATA = "oam-rank";

export interface StoredVersion {
  etag?: string;
  /** Undefined for a document written without one (by the seed publisher, say): any message is newer. */
  rank?: Rank;
}

export class DocumentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** What the store does with conditional writes (see store-probe.ts). */
    readonly capability: StoreModeSource,
  ) {}

  async head(key: string, signal?: AbortSignal): Promise<StoredVersion | null> {
    try {
      const res = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { etag: res.ETag, rank: parseRank(res.Metadata?.[RANK_METADATA]) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Writes the document only if the stored version is still `expected` (see writeConditions). */
  async put(key: string, doc: StatusDocument, rank: Rank, expected: StoredVersion | null, signal?: AbortSignal): Promise<StoredVersion> {
    const res = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(doc),
        ContentType: "application/json",
        CacheControl: "no-cache",
        Metadata: { [RANK_METADATA]: formatRank(rank) },
        ...writeConditions(this.capability, expected),
      }),
      { abortSignal: signal },
    );
    return { etag: res.ETag, rank };
  }
}
