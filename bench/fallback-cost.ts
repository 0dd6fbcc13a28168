// What the read-first path costs (issue: stores that ignore conditional writes). The status writer
// alone, in this process, writes the same workload (jobs of 4 messages, as many jobs in flight as a
// busy suite has) three ways: on local-s3 with conditional writes decided by the store (the fast
// path), on local-s3 reading first, and on plain s3rver reading first (what a store without the
// headers gets). Runs are interleaved; figures are per message: wall time, the writer's own CPU,
// S3 requests.
//
//   node dist/bench/fallback-cost.js [--jobs 1000] [--runs 3] [--s3-dir /dev/shm]
import { parseArgs } from "node:util";
import { unboundedSignal } from "../apps/shared/util/abort";
import type { Envelope } from "../apps/shared/bus/bus";
import { createLogger } from "../apps/shared/runtime/logger";
import type { StoreMode } from "../apps/shared/aws/store-probe";
import { DocumentStore } from "../apps/status-writer/document-store";
import { StatusWriter } from "../apps/status-writer/status-writer";
import { startLocalS3, type LocalS3, type StoreKind } from "../test/support/local-servers";
import { countRequests } from "../test/support/request-counter";
import { DEFAULT_S3_DIR } from "./options";
import { percentiles, round } from "./stats";
import { JOB_STEPS } from "../test/support/workload";

const median = (xs: number[]) => percentiles(xs).p50;

const IN_FLIGHT_JOBS = 50;

export interface FallbackRow {
  store: StoreKind;
  mode: StoreMode;
  msgPerSecond: number;
  cpuMsPerMessage: number;
  s3CallsPerMessage: number;
}

async function drain(s3: LocalS3, mode: StoreMode, jobs: number, tag: string): Promise<Omit<FallbackRow, "store" | "mode">> {
  const logger = createLogger("fallback-bench", { silent: true });
  const calls = countRequests(s3.client);
  const writer = new StatusWriter(new DocumentStore(s3.client, s3.bucket, { mode }), "bench", logger, { maxBackoffMs: 1000 });
  const signal = unboundedSignal().signal;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Each worker takes a job and sends its steps one after another, as SQS hands them over.
  await Promise.all(
    Array.from({ length: IN_FLIGHT_JOBS }, async () => {
      for (let j = next++; j < jobs; j = next++) {
        for (let step = 0; step < JOB_STEPS.length; step++) {
          const now = Date.now();
          const envelope: Envelope = { messageId: `${tag}-${j}-${step}`, sentTimestamp: now, receiveCount: 1, receivedAt: now, publishedAt: now, body: { jobId: `${tag}-${j}`, ...JOB_STEPS[step] } };
          await writer.handle(envelope, signal);
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const messages = jobs * JOB_STEPS.length;
  const s3Calls = [...calls.values()].reduce((a, b) => a + b, 0);
  return { msgPerSecond: Math.round((messages / ms) * 1000), cpuMsPerMessage: round((cpu.user + cpu.system) / 1000 / messages, 2), s3CallsPerMessage: round(s3Calls / messages, 2) };
}

export async function measureFallback(jobs: number, runs: number, s3Dir?: string): Promise<FallbackRow[]> {
  const cases: Array<{ store: StoreKind; mode: StoreMode }> = [
    { store: "local-s3", mode: "conditional" },
    { store: "local-s3", mode: "read-first" },
    { store: "s3rver", mode: "read-first" },
  ];
  const samples = new Map<string, Array<Omit<FallbackRow, "store" | "mode">>>();
  for (let run = 0; run < runs; run++) {
    for (const c of cases) {
      // A fresh store per run: the same empty bucket for every case.
      const s3 = await startLocalS3("fallback", s3Dir, c.store);
      try {
        const r = await drain(s3, c.mode, jobs, `r${run}`);
        samples.set(`${c.store}/${c.mode}`, [...(samples.get(`${c.store}/${c.mode}`) ?? []), r]);
      } finally {
        await s3.stop();
      }
    }
  }
  return cases.map((c) => {
    const s = samples.get(`${c.store}/${c.mode}`)!;
    return {
      ...c,
      msgPerSecond: median(s.map((x) => x.msgPerSecond)),
      cpuMsPerMessage: median(s.map((x) => x.cpuMsPerMessage)),
      s3CallsPerMessage: median(s.map((x) => x.s3CallsPerMessage)),
    };
  });
}

if (require.main === module) {
  const { values } = parseArgs({ options: { jobs: { type: "string", default: "1000" }, runs: { type: "string", default: "3" }, "s3-dir": { type: "string", default: DEFAULT_S3_DIR } } });
  measureFallback(Number(values.jobs), Number(values.runs), values["s3-dir"]).then(
    (rows) => {
      console.table(rows);
      const [fast, readFirst] = rows;
      console.log(`read-first on local-s3 / fast path: rate ${(readFirst.msgPerSecond / fast.msgPerSecond).toFixed(2)}x, writer CPU per message ${(readFirst.cpuMsPerMessage / fast.cpuMsPerMessage).toFixed(2)}x`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
