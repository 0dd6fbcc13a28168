// Deletes status documents older than the retention: a paginated ListObjectsV2 over `<prefix>/`
// (with the slash, so `statusesX/` is never touched), only keys `<prefix>/<jobId>-status.json`,
// DeleteObjects in batches of up to 1,000. Memory stays at one page plus one batch.
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { isStatusKey } from "../shared/domain/keys";
import { type Logger } from "../shared/runtime/logger";

export const MAX_DELETE_BATCH = 1000;
const DAY_MS = 86_400_000;

export interface PruneOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  retentionDays: number;
  pageSize: number;
  now?: Date;
  logger: Logger;
}

export interface PruneResult {
  scanned: number;
  expired: number;
  deleted: number;
  failed: number;
  pages: number;
  deleteCalls: number;
  cutoff: string;
  durationMs: number;
}

export async function pruneStatuses(opts: PruneOptions): Promise<PruneResult> {
  if (!opts.prefix || opts.prefix.replace(/\//g, "") === "") {
    throw new Error("refusing to prune with an empty prefix: that would be the whole bucket");
  }
  const started = Date.now();
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.retentionDays * DAY_MS);
  const listPrefix = `${opts.prefix}/`;
  const result: PruneResult = { scanned: 0, expired: 0, deleted: 0, failed: 0, pages: 0, deleteCalls: 0, cutoff: cutoff.toISOString(), durationMs: 0 };
  let batch: string[] = [];

  const flush = async () => {
    if (!batch.length) return;
    const keys = batch;
    batch = [];
    result.deleteCalls++;
    const res = await opts.s3.send(
      new DeleteObjectsCommand({ Bucket: opts.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const errors = res.Errors ?? [];
    result.failed += errors.length;
    result.deleted += keys.length - errors.length;
    for (const e of errors.slice(0, 10)) {
      opts.logger.warn("could not delete", { event: "janitor.delete_failed", key: e.Key, code: e.Code, reason: e.Message });
    }
  };

  let token: string | undefined;
  do {
    const page = await opts.s3.send(
      new ListObjectsV2Command({ Bucket: opts.bucket, Prefix: listPrefix, ContinuationToken: token, MaxKeys: opts.pageSize }),
    );
    result.pages++;
    for (const obj of page.Contents ?? []) {
      result.scanned++;
      if (!obj.Key || !obj.LastModified || !isStatusKey(opts.prefix, obj.Key)) continue;
      if (obj.LastModified.getTime() >= cutoff.getTime()) continue;
      result.expired++;
      batch.push(obj.Key);
      if (batch.length >= MAX_DELETE_BATCH) await flush();
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await flush();
  result.durationMs = Date.now() - started;
  return result;
}
