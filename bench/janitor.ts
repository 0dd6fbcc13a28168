// The janitor part of the benchmark: aged documents written straight into the S3 server's store
// (s3rver's file layout, modified 40 days ago), then one prune in its own process
// (janitor-worker.ts), so its time, calls and peak memory are its own.
import { fork } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, type LocalS3 } from "../test/support/local-servers";
import type { JanitorWorkerReport } from "./janitor-worker";
import { round } from "./stats";

const PREFIX = "bench-janitor";

export interface JanitorResult {
  documents: number;
  seconds: number;
  deleted: number;
  deleteObjectsCalls: number;
  listPages: number;
  peakRssMb: number;
}

export async function janitorPhase(documents: number, s3: LocalS3): Promise<JanitorResult> {
  const dir = path.join(s3.directory, s3.bucket, PREFIX);
  mkdirSync(dir, { recursive: true });
  const old = Date.now() / 1000 - 40 * 86_400;
  for (let i = 0; i < documents; i++) {
    const f = path.join(dir, `job-${i}-status.json._S3rver_object`);
    writeFileSync(f, "{}");
    utimesSync(f, old, old);
  }
  const child = fork(path.join(ROOT, "dist/bench/janitor-worker.js"), [s3.endpoint, s3.bucket, PREFIX], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  const j = await new Promise<JanitorWorkerReport>((resolve) => child.on("message", (m) => resolve(m as JanitorWorkerReport)));
  return { documents, seconds: round(j.durationMs / 1000, 2), deleted: j.deleted, deleteObjectsCalls: j.deleteCalls, listPages: j.pages, peakRssMb: round(j.maxRssMb) };
}
