// `npm run bench`: the suite against two references on the same local SQS and S3 servers, in one run:
//   floor   - one process, 4 tight SDK loops (receive 10, write each document, delete the batch)
//   typical - one process, 4 sqs-consumer consumers with handleMessageBatch
// in two regimes (loopback, and AWS-like: a delaying proxy in front of the servers), the suite also
// on each other S3 store named by --store. Measures backlog drain throughput (repeated, per-run
// ratios), latency at steady loads from the suite's own timestamps, memory of every process, idle
// CPU and SQS requests, start-to-ready time, and the janitor on 100,000 aged documents. Prints a
// table and writes bench/results/<date>.json. Flags: bench/options.ts; docs/performance.md.
//
// main starts the servers and runs one function per phase, in order: the ZeroMQ hop alone first,
// while the machine is quiet (busHopAlone, below); throughput in each regime (throughput.ts);
// start-to-ready and latency (latency.ts); idle (idle.ts); the janitor (janitor.ts); the status
// writer reading first (fallback-cost.ts). Their results make up BenchResults (results.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCatalogStandIn } from "../test/support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, type LocalS3 } from "../test/support/local-servers";
import type { BusHopReport } from "./bus-hop";
import { measureFallback } from "./fallback-cost";
import { forkReport } from "./fork-report";
import { idlePhase } from "./idle";
import { janitorPhase } from "./janitor";
import { latencyPhase } from "./latency";
import { parseBenchOptions, type BenchOptions } from "./options";
import { printTable } from "./report";
import type { BenchResults, LoadAverage, LoadAverages, RecordedOptions } from "./results";
import { round } from "./stats";
import { throughputPhase } from "./throughput";

const load = (): LoadAverage => os.loadavg().map((x) => round(x, 2));

/** The ZeroMQ hop on its own, in a quiet child process (bus-hop.ts). */
async function busHopAlone(): Promise<BusHopReport> {
  const { report: hop } = await forkReport<BusHopReport>("bus-hop");
  console.log(`ZeroMQ hop alone: ${JSON.stringify(hop)}`);
  return hop;
}

function recorded(o: BenchOptions): RecordedOptions {
  const { delays, ...shown } = o;
  return { ...shown, concurrentJobs: Number.isFinite(o.concurrentJobs) ? o.concurrentJobs : "all", delays };
}

function write(results: BenchResults): string {
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const out = path.join(ROOT, "bench/results", `${results.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  return out;
}

async function main(o: BenchOptions) {
  const [sqs, catalog, ...stores] = await Promise.all([
    startLocalSqs(),
    startCatalogStandIn(),
    ...o.stores.map((s) => startLocalS3("bench", o.s3Dir, s)),
  ]);
  const s3: Record<string, LocalS3> = Object.fromEntries(o.stores.map((s, i) => [s, stores[i]]));
  // The first store hosts everything but the suite's drains on the other stores.
  const first = s3[o.stores[0]];
  const date = new Date().toISOString();
  const loads: Omit<LoadAverages, "end"> = { start: load() };
  let results: BenchResults;
  try {
    const busHopAloneMs = await busHopAlone();
    const throughput: BenchResults["throughput"] = {};
    for (const name of o.regimes) {
      throughput[name] = await throughputPhase(o, name, sqs, s3, catalog.url, (l) => console.log(l));
      loads[`after ${name}`] = load();
    }
    const { startToReadyMs, latency } = await latencyPhase(o, sqs, first, catalog.url);
    const idle = await idlePhase(o, sqs, first);
    const janitor = await janitorPhase(o.janitorDocs, first);
    const fallback = await measureFallback(500, 3, o.s3Dir);
    results = {
      date,
      node: process.version,
      options: recorded(o),
      loadAverage: { ...loads, end: load() },
      busHopAloneMs,
      throughput,
      memoryAfterDrain: throughput.loopback?.perRun.suite?.at(-1)?.memory,
      startToReadyMs,
      latency,
      idle,
      janitor,
      fallback,
    };
  } finally {
    await Promise.all([sqs.stop(), catalog.close(), ...stores.map((s) => s.stop())]);
  }
  const out = write(results);
  printTable(results);
  console.log(`\nwritten to ${path.relative(ROOT, out)}`);
}

let options: BenchOptions;
try {
  options = parseBenchOptions();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
main(options).catch((err) => {
  console.error(err);
  process.exit(1);
});
