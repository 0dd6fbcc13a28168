// Plain s3rver 3.7 with none of local-s3's fixes (no conditional writes, no per-key ordering, no
// whole-or-nothing PUT): an S3-compatible store the project did not write, as a user may run one.
// Started like local-s3 (same variables), for the benchmark's `--store s3rver` and for tests that
// prove a promise against it.
import { mkdirSync } from "node:fs";
import { localS3Settings } from "../../apps/shared/local-servers";

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

async function main() {
  const s = localS3Settings();
  mkdirSync(s.directory, { recursive: true });
  const server = new S3rver({ address: s.hostname, port: s.port, directory: s.directory, silent: true, configureBuckets: [{ name: s.bucket }] });
  await server.run();
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(`plain s3rver: ${err?.message ?? err}`);
  process.exit(1);
});
