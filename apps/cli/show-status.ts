// `oam-status status <jobId>`: prints a job's status document.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isNotFound } from "../shared/aws/aws-errors";
import { statusKey } from "../shared/domain/keys";

export async function showStatus(s3: S3Client, bucket: string, prefix: string, jobId: string): Promise<string | null> {
  const key = statusKey(prefix, jobId);
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await res.Body!.transformToString();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
