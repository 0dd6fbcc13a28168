// The work every contender does per message, as the suite does it: the status document to S3, and
// for a finished mosaic one POST to the catalog stand-in.
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { buildCatalogPayload } from "../apps/shared/domain/catalog-payload";
import { parseBody } from "../apps/shared/domain/message";
import { buildStatusDocument } from "../apps/shared/domain/status-document";

export async function doWork(s3: S3Client, bucket: string, prefix: string, catalogUrl: string, body: string): Promise<void> {
  const parsed = parseBody(body);
  if (parsed.kind !== "status") return;
  const m = parsed.message;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${m.jobId}-status.json`, Body: JSON.stringify(buildStatusDocument(m, new Date())), ContentType: "application/json" }),
  );
  if (m.stage === "mosaic" && m.status === "FINISHED") {
    const res = await fetch(`${catalogUrl}/tms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(buildCatalogPayload(m)) });
    await res.text();
  }
}
