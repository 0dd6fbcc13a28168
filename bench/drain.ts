// One backlog drain by one contender: the queue is filled, the contender started, and the rate
// timed from the first deleted message to the last (start-up is not counted for anyone), with the
// CPU time of every process involved.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, type LocalS3, type LocalSqs } from "../test/support/local-servers";
import type { Pm2Process } from "../test/support/pm2";
import { APPS, startSuite, type Suite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { lifecycle } from "../test/support/workload";
import { cpuMeter, cpuSeconds, ofEach, perMessage, pidPssMb, pidRssMb } from "./proc-stats";
import type { Regime } from "./regime";

type ContenderKind = "floor" | "typical" | "suite";

export interface Contender {
  /** The row's name: "floor", "typical", "suite", or "suite on <store>". */
  row: string;
  kind: ContenderKind;
  store: string;
}

export interface DrainResult {
  msgPerSec: number;
  seconds: number;
  /** CPU ms per message: the contender's processes, the S3 and SQS servers, and their total. */
  cpuMsPerMessage: Record<string, number>;
  /** The delaying proxy's CPU ms per message (network stand-in, not in the total). */
  proxyCpuMsPerMessage?: number;
  /** The suite's memory right after the drain (suite rows only). */
  memory?: SuiteMemory;
}

export interface SuiteMemory {
  rssMb: Record<string, number>;
  pssMb: Record<string, number>;
}

/**
 * `n` lifecycle messages (4 per job) as `concurrentJobs` tilers running at once emit them: each
 * tiler works through its share of the jobs one after another, a job's steps in order, and the
 * tilers' messages interleave at random (seeded, so every contender gets the same backlog). One
 * tiler is job after job; as many tilers as jobs is every job at once.
 */
export function backlog(n: number, concurrentJobs: number, jobPrefix: string, seed = 1): string[] {
  const jobs = Array.from({ length: Math.ceil(n / 4) }, (_, i) => lifecycle(i + 1, jobPrefix));
  const tilers: string[][] = Array.from({ length: Math.min(concurrentJobs, jobs.length) }, () => []);
  jobs.forEach((j, i) => tilers[i % tilers.length].push(...j.lines));
  const next = tilers.map(() => 0);
  const random = lcg(seed);
  const lines: string[] = [];
  const busy = tilers.map((_, i) => i);
  while (busy.length && lines.length < n) {
    const k = Math.floor(random() * busy.length);
    const t = busy[k];
    lines.push(tilers[t][next[t]++]);
    if (next[t] === tilers[t].length) busy.splice(k, 1);
  }
  return lines;
}

/** A small seeded generator (numbers in [0, 1)): the same backlog for every contender and run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Waits until a queue of `n` messages is empty; the rate is timed from the first deleted message. */
async function drainRate(sqs: LocalSqs, queueUrl: string, n: number, what: string): Promise<{ msgPerSec: number; seconds: number }> {
  const first = await waitFor(
    async () => {
      const depth = await sqs.depth(queueUrl);
      return depth < n ? { at: Date.now(), depth } : undefined;
    },
    { what: `${what} to start`, timeoutMs: 120_000, intervalMs: 20 },
  );
  await waitFor(async () => (await sqs.depth(queueUrl)) === 0, { what: `${what} to drain`, timeoutMs: 600_000, intervalMs: 20 });
  const seconds = (Date.now() - first.at) / 1000;
  return { msgPerSec: first.depth / seconds, seconds };
}

export interface DrainSetup {
  sqs: LocalSqs;
  s3: Record<string, LocalS3>;
  regime: Regime;
  queueUrl: string;
  prefix: string;
  messages: number;
  /** Extra environment for the suite (OAM_SQS_RECEIVE_CONCURRENCY). */
  suiteEnv: Record<string, string>;
}

export async function drain(c: Contender, d: DrainSetup): Promise<DrainResult> {
  const s3 = d.s3[c.store];
  const servers = { s3: s3.pid, sqs: d.sqs.pid };
  const proxy = d.regime.proxyPid ? cpuMeter({ proxy: d.regime.proxyPid }) : undefined;
  const proxyShare = () => (proxy ? perMessage(proxy(), d.messages).proxy : undefined);
  if (c.kind !== "suite") {
    const args = [d.regime.queueUrl(d.queueUrl), d.regime.sqs, d.regime.s3[c.store], s3.bucket, d.prefix, d.regime.catalog, "4"];
    const child = fork(path.join(ROOT, "dist/bench", `${c.kind}.js`), args, {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    const exited = new Promise((r) => child.once("exit", r));
    try {
      const cpu = cpuMeter({ process: child.pid!, ...servers });
      const rate = await drainRate(d.sqs, d.queueUrl, d.messages, c.row);
      return { ...rate, cpuMsPerMessage: perMessage(cpu(), d.messages), proxyCpuMsPerMessage: proxyShare() };
    } finally {
      await exited;
    }
  }
  // The consumers first; the poller, which takes the backlog, once they are up. Its CPU is counted
  // from its start, as a reference process's is from its fork; the consumers' start-up is not.
  const env = {
    OAM_STATUS_SQS_QUEUE_URL: d.regime.queueUrl(d.queueUrl),
    AWS_ENDPOINT_URL_SQS: d.regime.sqs,
    AWS_ENDPOINT_URL_S3: d.regime.s3[c.store],
    OAM_STATUS_PREFIX: d.prefix,
    OAM_CATALOG_URL: d.regime.catalog,
    OAM_API_TOKEN: "bench",
    ...d.suiteEnv,
  };
  const suite = await startSuite(d.sqs, s3, env, APPS.filter((a) => a !== "poller"));
  try {
    const consumers = cpuMeter({ ...(await suitePids(suite)), ...servers });
    const rating = drainRate(d.sqs, d.queueUrl, d.messages, c.row);
    await suite.startApps(["poller"]);
    const pids = await suitePids(suite); // with the poller now: its CPU, and every process's memory after the drain
    const rate = await rating;
    const cpuMsPerMessage = perMessage({ ...consumers(), poller: cpuSeconds(pids.poller) }, d.messages);
    return { ...rate, cpuMsPerMessage, proxyCpuMsPerMessage: proxyShare(), memory: suiteMemory(pids) };
  } finally {
    await suite.stop();
  }
}

/** The pid of every app of a suite (from `procs` when the caller has just listed them), and of its pm2 daemon. */
export async function suitePids(suite: Suite, procs?: Record<string, Pm2Process>): Promise<Record<string, number>> {
  procs ??= await suite.pm2.byName();
  return {
    ...Object.fromEntries(Object.values(procs).map((p) => [p.name, p.pid])),
    "pm2 daemon": Number(readFileSync(path.join(suite.pm2.home, "pm2.pid"), "utf8")),
  };
}

/** The memory of the processes of `suitePids`. */
export function suiteMemory(pids: Record<string, number>): SuiteMemory {
  return { rssMb: ofEach(pids, pidRssMb), pssMb: ofEach(pids, pidPssMb) };
}
