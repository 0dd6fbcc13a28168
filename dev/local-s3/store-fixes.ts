// Fixes to s3rver 3.7's filesystem store, applied before s3rver loads them; local-s3 only runs
// s3rver, so patching its modules here touches nothing else.
import fs from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { KeyedQueue } from "../../apps/shared/util/keyed-queue";

// Four fixes:
// - ListObjectsV2 pages by walking folders in readdir order and continuing after the last key it
//   returned; on filesystems that do not list in name order (ext4, overlayfs) later pages skip or
//   repeat keys. Its walk is replaced, before s3rver loads it, by one that lists in name order.
// - After each deleted object it reads the whole folder to see whether the folder is now empty:
//   with 100,000 documents under one prefix that is ~80 ms per key, 80 s per DeleteObjects call of
//   1,000. The check below reads one entry instead.
// - It writes a PUT's body straight over the object: a client killed mid-body leaves the torn part
//   behind for good, and a read during a write sees a part. S3 stores a whole body or nothing; so
//   does putObject below (temporary file, then rename).
// - It keeps an object's body, ETag and metadata in three files, written one after another: a
//   read during a write could pair the new ETag with the old metadata (the status writer's rank),
//   and a writer deciding on that pair could replace a newer document. S3 shows a whole version or
//   the previous one; here reads, writes and deletes of one key run one after another.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3rverUtils = require("s3rver/lib/utils");
s3rverUtils.walk = function* walk(dir: string, recurseFilter?: (dirPath: string) => boolean): Generator<string> {
  for (const filename of fs.readdirSync(dir).sort()) {
    const filePath = path.posix.join(dir, filename);
    if (!fs.statSync(filePath).isDirectory()) yield filePath;
    else if (!recurseFilter || recurseFilter(filePath)) yield* walk(filePath, recurseFilter);
  }
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FilesystemStore = require("s3rver/lib/stores/filesystem");

function isEmptyDir(dir: string): boolean {
  const d = fs.opendirSync(dir);
  try {
    return d.readSync() === null;
  } finally {
    d.closeSync();
  }
}

FilesystemStore.prototype.deleteObject = async function deleteObject(bucket: string, key: string): Promise<void> {
  await Promise.all(
    ["object", "object.md5", "metadata.json"].map((resource) =>
      fs.promises.unlink(this.getResourcePath(bucket, key, resource)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      }),
    ),
  );
  // Remove the folders the key leaves empty (the last part of a key is in the file name).
  const bucketPath = this.getBucketPath(bucket);
  for (const parts = key.split("/").slice(0, -1); parts.length; parts.pop()) {
    const dir = path.join(bucketPath, ...parts);
    if (!isEmptyDir(dir)) break;
    await fs.promises.rmdir(dir);
  }
};

interface PutObject {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  content: Buffer | Readable;
}

let temporaries = 0;
FilesystemStore.prototype.putObject = async function putObject(object: PutObject): Promise<{ size: number; md5: string }> {
  const objectPath: string = this.getResourcePath(object.bucket, object.key, "object");
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  // Not named like an object, so listings skip it.
  const temporary = `${objectPath}.${process.pid}-${++temporaries}.tmp`;
  const md5 = createHash("md5");
  let size = 0;
  try {
    await pipeline(
      Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content,
      async function* (chunks: Readable) {
        for await (const chunk of chunks) {
          md5.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      fs.createWriteStream(temporary),
    );
    await fs.promises.rename(temporary, objectPath);
  } catch (err) {
    await fs.promises.rm(temporary, { force: true });
    throw err;
  }
  const digest = md5.digest("hex");
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

// Serialise the store's operations per key (see above). A read holds its turn until the body is
// open: the file descriptor keeps that version even if a write replaces the file afterwards.
const perKey = new KeyedQueue();
const keyOf: Record<string, (args: unknown[]) => string> = {
  getObject: ([bucket, key]) => `${bucket}/${key}`,
  deleteObject: ([bucket, key]) => `${bucket}/${key}`,
  putObject: ([object]) => `${(object as PutObject).bucket}/${(object as PutObject).key}`,
};
for (const [method, key] of Object.entries(keyOf)) {
  const original = FilesystemStore.prototype[method];
  FilesystemStore.prototype[method] = function (this: unknown, ...args: unknown[]) {
    return perKey.run(key(args), () => original.apply(this, args));
  };
}

