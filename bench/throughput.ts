// The throughput part of the benchmark: in each regime, every contender drains the same backlog,
// side by side, several runs; the order of the contenders turns by one each run so that none always
// goes first or last on a machine whose speed drifts.
import type { LocalS3, LocalSqs } from "../test/support/local-servers";
import { sendAll } from "../test/support/suite";
import { backlog, drain, type Contender, type DrainResult } from "./drain";
import type { BenchOptions, RegimeName } from "./options";
import { openRegime, type Regime } from "./regime";
import { percentiles, round } from "./stats";

function contenders(stores: string[]): Contender[] {
  const [main, ...others] = stores;
  return [
    { row: "floor", kind: "floor", store: main },
    { row: "typical", kind: "typical", store: main },
    { row: "suite", kind: "suite", store: main },
    ...others.map((s): Contender => ({ row: `suite on ${s}`, kind: "suite", store: s })),
  ];
}

/** Each row's drains, run by run. */
export type RegimeRuns = Record<string, DrainResult[]>;

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One ratio run by run, with its spread. */
export type Ratio = { perRun: number[] } & Spread;

/** By name: "suite / floor, rate", "suite on s3rver / suite, rate", ... */
export type Ratios = Record<string, Ratio>;

/** One regime's part of the results. */
export interface RegimeThroughput {
  /** What the regime adds to each call (all 0 on loopback). */
  delaysMs: Regime["delays"];
  perRun: RegimeRuns;
  /** Each row's msg/s over the runs. */
  rate: Record<string, Spread>;
  ratios: Ratios;
}

/** Every contender's drains in one regime, with the rates' spread and the per-run ratios. */
export async function throughputPhase(
  o: BenchOptions,
  name: RegimeName,
  sqs: LocalSqs,
  s3: Record<string, LocalS3>,
  catalogUrl: string,
  log: (line: string) => void,
): Promise<RegimeThroughput> {
  const regime = await openRegime(name, o.delays, {
    sqs: sqs.endpoint,
    catalog: catalogUrl,
    s3: Object.fromEntries(o.stores.map((s) => [s, s3[s].endpoint])),
  });
  try {
    const runs = await throughput(o, regime, sqs, s3, log);
    return {
      delaysMs: regime.delays,
      perRun: runs,
      rate: Object.fromEntries(Object.entries(runs).map(([row, rs]) => [row, spread(rs.map((x) => x.msgPerSec))])),
      ratios: ratios(runs),
    };
  } finally {
    await regime.close();
  }
}

async function throughput(
  o: BenchOptions,
  regime: Regime,
  sqs: LocalSqs,
  s3: Record<string, LocalS3>,
  log: (line: string) => void,
): Promise<RegimeRuns> {
  const rows = contenders(o.stores);
  const runs: RegimeRuns = Object.fromEntries(rows.map((c) => [c.row, []]));
  for (let r = 1; r <= o.runs; r++) {
    const order = rows.map((_, i) => rows[(i + r - 1) % rows.length]);
    for (const c of order) {
      const name = `bench-${regime.name}-${c.row.replace(/\W+/g, "-")}-${r}`;
      const queueUrl = await sqs.createQueue(name);
      await sendAll(sqs, backlog(o.messages, o.concurrentJobs, `${c.kind}${r}`), queueUrl);
      const res = await drain(c, { sqs, s3, regime, queueUrl, prefix: name, messages: o.messages, suiteEnv: o.suiteEnv });
      runs[c.row].push(res);
      log(`${regime.name} run ${r} ${c.row}: ${round(res.msgPerSec)} msg/s, CPU ms per message ${JSON.stringify(res.cpuMsPerMessage)}`);
    }
  }
  return runs;
}

/** Median and range of a list. */
function spread(xs: number[]): Spread {
  const p = percentiles(xs);
  return { median: round(p.p50, 2), min: round(p.min, 2), max: round(p.max, 2) };
}

/**
 * Per run, side by side: each suite row's rate and CPU per message (all processes, the S3 and SQS
 * servers included) against the floor's and the typical's of the same run, and each extra store's
 * suite against the suite on the main store; with the spread over the runs.
 */
function ratios(runs: RegimeRuns): Ratios {
  const rate = (row: string) => runs[row].map((x) => x.msgPerSec);
  const cpu = (row: string) => runs[row].map((x) => x.cpuMsPerMessage.total);
  const div = (a: number[], b: number[]) => a.map((x, i) => round(x / b[i], 2));
  const out: Ratios = {};
  const add = (name: string, values: number[]) => (out[name] = { perRun: values, ...spread(values) });
  for (const row of Object.keys(runs).filter((k) => k.startsWith("suite"))) {
    add(`${row} / floor, rate`, div(rate(row), rate("floor")));
    add(`${row} / typical, rate`, div(rate(row), rate("typical")));
    add(`${row} / floor, CPU per message`, div(cpu(row), cpu("floor")));
    if (row !== "suite") add(`${row} / suite, rate`, div(rate(row), rate("suite")));
  }
  return out;
}
