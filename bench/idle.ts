// The idle part of the benchmark: the suite with nothing to do, at the production long poll (20 s),
// for --idle-seconds: SQS requests per minute, each app's CPU, and the suite's memory.
import { METRIC } from "../apps/shared/runtime/names";
import type { LocalS3, LocalSqs } from "../test/support/local-servers";
import { pm2Metric, type Pm2Process } from "../test/support/pm2";
import { startSuite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { suiteMemory, suitePids, type SuiteMemory } from "./drain";
import type { BenchOptions } from "./options";
import { cpuMeter } from "./proc-stats";
import { round } from "./stats";

export interface IdleResult {
  seconds: number;
  sqsRequestsPerMinute: number;
  /** By app. */
  cpuPercent: Record<string, number>;
  memory: SuiteMemory;
}

export async function idlePhase(o: Pick<BenchOptions, "idleSeconds" | "suiteEnv">, sqs: LocalSqs, s3: LocalS3): Promise<IdleResult> {
  const queueUrl = await sqs.createQueue("bench-idle");
  const idle = await startSuite(sqs, s3, {
    OAM_STATUS_SQS_QUEUE_URL: queueUrl,
    OAM_STATUS_PREFIX: "bench-idle",
    OAM_SQS_WAIT_SECONDS: "20",
    MOCK_OAM_API: "true",
    ...o.suiteEnv,
  });
  try {
    // One pm2 list at each end of the period: the apps' pids and the poller's poll count.
    const before = await idle.pm2.byName();
    const cpu = cpuMeter(Object.fromEntries(Object.values(before).map((p) => [p.name, p.pid])));
    const polls = (procs: Record<string, Pm2Process>) => pm2Metric(procs.poller, METRIC.polls) ?? 0;
    const start = Date.now();
    await waitFor(() => Date.now() - start >= o.idleSeconds * 1000, { what: "the idle period", timeoutMs: o.idleSeconds * 1000 + 10_000, intervalMs: 1000 });
    const after = await idle.pm2.byName();
    const seconds = Math.max(1, o.idleSeconds);
    return {
      seconds: o.idleSeconds,
      sqsRequestsPerMinute: round(((polls(after) - polls(before)) * 60) / seconds),
      cpuPercent: Object.fromEntries(Object.entries(cpu()).map(([name, sec]) => [name, round((100 * sec) / seconds, 2)])),
      memory: suiteMemory(await suitePids(idle, after)),
    };
  } finally {
    await idle.stop();
  }
}
