// The latency part of the benchmark: one suite, its start-to-ready time, then steady offered loads
// one after the other, each read from the status writer's own timestamps (its `status.written`
// lines): SQS receive -> durable, the ZeroMQ hop inside the running suite, SQS send -> durable.
import { readFileSync } from "node:fs";
import path from "node:path";
import { EVENT, METRIC } from "../apps/shared/runtime/names";
import type { LocalS3, LocalSqs } from "../test/support/local-servers";
import { pm2Metric } from "../test/support/pm2";
import { sendAll, startSuite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { lifecycle } from "../test/support/workload";
import type { BenchOptions } from "./options";
import { percentiles, type Percentiles } from "./stats";

const RATES = [50, 200];

export interface LatencyAtLoad {
  receivedToDurableMs: Percentiles;
  busHopMs: Percentiles;
  sentToDurableMs: Percentiles;
}

export interface LatencyPhase {
  /** From starting the suite to the poller's first poll. */
  startToReadyMs: number;
  /** By offered load ("50 msg/s", "200 msg/s"); a load whose lines were not found is left out. */
  latency: Record<string, LatencyAtLoad>;
}

/** The fields of a `status.written` line that the latency is read from. */
interface StatusWritten {
  timestamp: string;
  receivedToDurableMs: number;
  busHopMs: number;
  sentToDurableMs: number;
}

export async function latencyPhase(o: Pick<BenchOptions, "loadSeconds" | "suiteEnv">, sqs: LocalSqs, s3: LocalS3, catalogUrl: string): Promise<LatencyPhase> {
  const queueUrl = await sqs.createQueue("bench-latency");
  const t0 = Date.now();
  const suite = await startSuite(sqs, s3, {
    OAM_STATUS_SQS_QUEUE_URL: queueUrl,
    OAM_STATUS_PREFIX: "bench-latency",
    OAM_CATALOG_URL: catalogUrl,
    OAM_API_TOKEN: "bench",
    DEBUG: "oam:status-writer",
    ...o.suiteEnv,
  });
  try {
    await waitFor(async () => (pm2Metric((await suite.pm2.byName()).poller, METRIC.polls) ?? 0) >= 1, {
      what: "the first poll",
    });
    const startToReadyMs = Date.now() - t0;
    const latency: Record<string, LatencyAtLoad> = {};
    let jobs = 0;
    for (const rate of RATES) {
      const from = Date.now();
      jobs = await offerLoad(sqs, queueUrl, rate, o.loadSeconds, jobs);
      await waitFor(async () => (await sqs.depth(queueUrl)) === 0, { what: "the load to drain", timeoutMs: 120_000 });
      const lines = writtenSince(path.join(suite.logDir, "status-writer.out.log"), from);
      if (!lines.length) continue;
      latency[`${rate} msg/s`] = {
        receivedToDurableMs: percentiles(lines.map((l) => l.receivedToDurableMs)),
        busHopMs: percentiles(lines.map((l) => l.busHopMs)),
        sentToDurableMs: percentiles(lines.map((l) => l.sentToDurableMs)),
      };
      console.log(`latency at ${rate} msg/s: ${JSON.stringify(latency[`${rate} msg/s`])}`);
    }
    return { startToReadyMs, latency };
  } finally {
    await suite.stop();
  }
}

/**
 * A lifecycle message every 1/rate s for `seconds`, in batches of up to 10 every 50 ms, from job
 * `jobsBefore + 1` on. Returns the last job number used.
 */
async function offerLoad(sqs: LocalSqs, queueUrl: string, rate: number, seconds: number, jobsBefore: number): Promise<number> {
  let job = jobsBefore;
  const perTick = rate / 20;
  let carry = 0;
  for (let tick = 0; tick < seconds * 20; tick++) {
    const tickStart = Date.now();
    carry += perTick;
    const n = Math.floor(carry);
    carry -= n;
    const lines: string[] = [];
    while (lines.length < n) lines.push(...lifecycle(++job, `lat${rate}`).lines.slice(0, n - lines.length));
    await sendAll(sqs, lines, queueUrl);
    await new Promise((res) => setTimeout(res, Math.max(0, 50 - (Date.now() - tickStart))));
  }
  return job;
}

/** The status writer's `status.written` lines logged at or after `from`. */
function writtenSince(logFile: string, from: number): StatusWritten[] {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes(`"event":"${EVENT.statusWritten}"`))
    .map((l) => JSON.parse(l) as StatusWritten)
    .filter((l) => Date.parse(l.timestamp) >= from);
}
