// The janitor part of the benchmark: aged documents written straight into the S3 server's store
// (s3rver's file layout, modified 40 days ago), then one prune in its own process
// (janitor-worker.ts), so its time, calls and peak memory are its own.
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LocalS3 } from "../test/support/local-servers";
import { forkReport } from "./fork-report";
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
  const { report: j } = await forkReport<JanitorWorkerReport>("janitor-worker", [s3.endpoint, s3.bucket, PREFIX]);
  return { documents, seconds: round(j.durationMs / 1000, 2), deleted: j.deleted, deleteObjectsCalls: j.deleteCalls, listPages: j.pages, peakRssMb: round(j.maxRssMb) };
}
