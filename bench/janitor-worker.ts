// Runs one prune in its own process, so its time, DeleteObjects calls and peak memory are its own.
import { S3Client } from "@aws-sdk/client-s3";
import { pruneStatuses, type PruneResult } from "../apps/janitor/prune";
import { createLogger } from "../apps/shared/runtime/logger";

/** What this process sends its parent: the prune's result and the process's peak RSS. */
export type JanitorWorkerReport = PruneResult & { maxRssMb: number };

const [s3Endpoint, bucket, prefix] = process.argv.slice(2);
const s3 = new S3Client({ region: "us-east-1", endpoint: s3Endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, forcePathStyle: true });
pruneStatuses({ s3, bucket, prefix, retentionDays: 30, pageSize: 1000, logger: createLogger("janitor-bench", { silent: true }) }).then(
  (r) => {
    const report: JanitorWorkerReport = { ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 };
    process.send?.(report);
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
