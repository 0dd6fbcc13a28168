// local-s3 (local profile only): an S3-compatible server (npm s3rver 3.7) storing under ./data/s3,
// with the status bucket created. Runs with --openssl-legacy-provider: s3rver encrypts its
// ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers that way.
import { mkdirSync } from "node:fs";
import { localS3Settings } from "../local-settings";
import "./store-fixes";
import "./conditional-writes";
import { checkObjectAcls } from "./object-acl";

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

async function main() {
  const s = localS3Settings();
  checkObjectAcls(s.objectOwnership);
  mkdirSync(s.directory, { recursive: true });
  const server = new S3rver({
    address: s.hostname,
    port: s.port,
    directory: s.directory,
    silent: true,
    configureBuckets: [{ name: s.bucket }],
  });
  await server.run();
  console.log(JSON.stringify({ level: "info", app: "local-s3", event: "local_s3.listening", message: `S3 on http://${s.hostname}:${s.port}, bucket ${s.bucket} (${s.objectOwnership}), data in ${s.directory}` }));
  process.send?.("ready"); // pm2 wait_ready: the suite starts once the server listens
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(JSON.stringify({ level: "error", app: "local-s3", message: String(err?.message ?? err) }));
  process.exit(1);
});
