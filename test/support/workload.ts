// Job lifecycles for the end-to-end and fault tests, and what each job's final document must be.
import type { StatusMessage } from "../../apps/shared/domain/message";

export interface Job {
  jobId: string;
  /** Message bodies in the order the tiler emits them (ascending rank). */
  lines: string[];
  final: { stage: string; status: string };
  finished: boolean;
  tilesUri?: string;
}

/** A job's four steps, as the tiler emits them, the last a failure (for tests of the status writer alone). */
export const JOB_STEPS = [
  { stage: "chunk", status: "STARTED" },
  { stage: "chunk", status: "FINISHED" },
  { stage: "mosaic", status: "STARTED" },
  { stage: "mosaic", status: "FAILED", error: "gdal said no" },
] as const;

/** The tiles URI template the suite derives from a job's target s3://oam-tiles/<jobId>: what it posts to the catalog. */
export const tilesUriOf = (jobId: string) => `http://oam-tiles.s3.amazonaws.com/${jobId}/{z}/{x}/{y}.png`;

/** A job's last message when its mosaic finished, with target s3://oam-tiles/<jobId> and one image. */
export function finishedBody(jobId: string): StatusMessage {
  return { jobId, stage: "mosaic", status: "FINISHED", target: `s3://oam-tiles/${jobId}`, images: [`http://b.s3.amazonaws.com/${jobId}.tif`] };
}

export function lifecycle(i: number, prefix = "job"): Job {
  const jobId = `${prefix}-${String(i).padStart(4, "0")}`;
  const target = `s3://oam-tiles/${jobId}`;
  const msgs: object[] = [
    { jobId, stage: "chunk", status: "STARTED" },
    { jobId, stage: "chunk", status: "FINISHED" },
    { jobId, stage: "mosaic", status: "STARTED" },
  ];
  const fails = i % 4 === 0;
  msgs.push(
    fails
      ? { jobId, stage: "mosaic", status: "FAILED", error: 'gdal said "no"' }
      : { jobId, stage: "mosaic", status: "FINISHED", target, images: [`/vsicurl/http://bucket.s3.amazonaws.com/${jobId}.tif`] },
  );
  return {
    jobId,
    lines: msgs.map((m) => JSON.stringify(m)),
    final: fails ? { stage: "mosaic", status: "FAILED" } : { stage: "COMPLETE", status: "SUCCESS" },
    finished: !fails,
    tilesUri: fails ? undefined : tilesUriOf(jobId),
  };
}

/** Every job's messages, step by step across jobs, as many tilers running at once emit them. */
export function interleave(jobs: Job[]): string[] {
  const out: string[] = [];
  const steps = Math.max(...jobs.map((j) => j.lines.length));
  for (let s = 0; s < steps; s++) for (const j of jobs) if (j.lines[s]) out.push(j.lines[s]);
  return out;
}
