// local-s3 (local profile only): an S3-compatible server (npm s3rver 3.7) storing under ./data/s3,
// with the status bucket created. Runs with --openssl-legacy-provider: s3rver encrypts its
// ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers that way.
import fs, { mkdirSync } from "node:fs";
import { localS3Settings } from "../shared/local-servers";

// s3rver pages ListObjectsV2 by walking folders in readdir order and continuing after the last key
// it returned; on filesystems that do not list in name order (ext4, overlayfs) later pages skip or
// repeat keys. Listing folders in name order makes its pages follow key order. This process only
// runs s3rver, so the patch stays here.
const readdirSync = fs.readdirSync;
(fs as { readdirSync: unknown }).readdirSync = (...args: Parameters<typeof fs.readdirSync>) => {
  const entries = readdirSync(...args);
  return entries.every((e) => typeof e === "string") ? [...(entries as string[])].sort() : entries;
};

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

async function main() {
  const s = localS3Settings();
  mkdirSync(s.directory, { recursive: true });
  const server = new S3rver({
    address: s.hostname,
    port: s.port,
    directory: s.directory,
    silent: true,
    configureBuckets: [{ name: s.bucket }],
  });
  await server.run();
  console.log(JSON.stringify({ level: "info", app: "local-s3", event: "local_s3.listening", message: `S3 on http://${s.hostname}:${s.port}, bucket ${s.bucket}, data in ${s.directory}` }));
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(JSON.stringify({ level: "error", app: "local-s3", message: String(err?.message ?? err) }));
  process.exit(1);
});
