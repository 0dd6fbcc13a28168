// `npm run bench`: the suite against two references on the same local SQS and S3 servers, in one run:
//   floor   - one process, 4 tight SDK loops (receive 10, write each document, delete the batch)
//   typical - one process, 4 sqs-consumer consumers with handleMessageBatch
// in two regimes (loopback, and AWS-like: a delaying proxy in front of the servers), the suite also
// on each other S3 store named by --store. Measures backlog drain throughput (repeated, per-run
// ratios), latency at steady loads from the suite's own timestamps, memory of every process, idle
// CPU and SQS requests, start-to-ready time, and the janitor on 100,000 aged documents. Prints a
// table and writes bench/results/<date>.json. Flags: bench/options.ts; docs/performance.md.
import { fork } from "node:child_process";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { EVENT, METRIC } from "../apps/shared/runtime/names";
import { startCatalogStandIn } from "../test/support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, type LocalS3 } from "../test/support/local-servers";
import { pm2Metric } from "../test/support/pm2";
import { startSuite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { lifecycle } from "../test/support/workload";
import { suiteMemory } from "./drain";
import { parseBenchOptions, type BenchOptions } from "./options";
import { cpuMeter } from "./proc-stats";
import { openRegime } from "./regime";
import { measureFallback } from "./fallback-cost";
import { printTable } from "./report";
import { percentiles as stats, round } from "./stats";
import { ratios, spread, throughput } from "./throughput";

const load = () => os.loadavg().map((x) => round(x, 2));

async function main(o: BenchOptions) {
  const [sqs, catalog, ...stores] = await Promise.all([
    startLocalSqs(),
    startCatalogStandIn(),
    ...o.stores.map((s) => startLocalS3("bench", o.s3Dir, s)),
  ]);
  const s3: Record<string, LocalS3> = Object.fromEntries(o.stores.map((s, i) => [s, stores[i]]));
  const main = s3[o.stores[0]];
  const { delays, ...shown } = o;
  const results: Record<string, any> = {
    date: new Date().toISOString(),
    node: process.version,
    options: { ...shown, concurrentJobs: Number.isFinite(o.concurrentJobs) ? o.concurrentJobs : "all", delays },
    loadAverage: { start: load() },
  };
  try {
    // --- the ZeroMQ hop on its own, first, on a quiet machine ---
    results.busHopAloneMs = await new Promise((resolve, reject) => {
      const child = fork(path.join(ROOT, "dist/bench/bus-hop.js"));
      child.on("message", resolve);
      child.on("exit", (code) => (code ? reject(new Error(`bus-hop exited with ${code}`)) : undefined));
    });
    console.log(`ZeroMQ hop alone: ${JSON.stringify(results.busHopAloneMs)}`);

    // --- throughput: drain a backlog, the contenders side by side, in each regime ---
    results.throughput = {};
    for (const name of o.regimes) {
      const regime = await openRegime(name, delays, {
        sqs: sqs.endpoint,
        catalog: catalog.url,
        s3: Object.fromEntries(o.stores.map((s) => [s, s3[s].endpoint])),
      });
      try {
        const runs = await throughput(o, regime, sqs, s3, (l) => console.log(l));
        results.throughput[name] = {
          delaysMs: regime.delays,
          perRun: runs,
          rate: Object.fromEntries(Object.entries(runs).map(([row, rs]) => [row, spread(rs.map((x) => x.msgPerSec))])),
          ratios: ratios(runs),
        };
      } finally {
        await regime.close();
      }
      results.loadAverage[`after ${name}`] = load();
    }
    const loopbackSuite = results.throughput.loopback?.perRun.suite;
    results.memoryAfterDrain = loopbackSuite?.at(-1)?.memory;

    // --- latency at steady offered loads, start-to-ready, idle ---
    const queueUrl = await sqs.createQueue("bench-latency");
    const t0 = Date.now();
    const suite = await startSuite(sqs, main, {
      OAM_STATUS_SQS_QUEUE_URL: queueUrl,
      OAM_STATUS_PREFIX: "bench-latency",
      OAM_CATALOG_URL: catalog.url,
      OAM_API_TOKEN: "bench",
      DEBUG: "oam:status-writer",
      ...o.suiteEnv,
    });
    try {
      await waitFor(async () => (pm2Metric((await suite.pm2.byName()).poller, METRIC.polls) ?? 0) >= 1, {
        what: "the first poll",
      });
      results.startToReadyMs = Date.now() - t0;
      const latency: Record<string, unknown> = {};
      let job = 0;
      for (const rate of [50, 200]) {
        const from = Date.now();
        // Offered load: a lifecycle message every 1/rate s, in batches of up to 10 every 50 ms.
        const perTick = rate / 20;
        let carry = 0;
        for (let tick = 0; tick < o.loadSeconds * 20; tick++) {
          const tickStart = Date.now();
          carry += perTick;
          const n = Math.floor(carry);
          carry -= n;
          const lines: string[] = [];
          while (lines.length < n) lines.push(...lifecycle(++job, `lat${rate}`).lines.slice(0, n - lines.length));
          if (lines.length) await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: lines.map((m, j) => ({ Id: String(j), MessageBody: m })) }));
          await new Promise((res) => setTimeout(res, Math.max(0, 50 - (Date.now() - tickStart))));
        }
        await waitFor(async () => (await sqs.depth(queueUrl)) === 0, { what: "the load to drain", timeoutMs: 120_000 });
        const lines = readFileSync(path.join(suite.logDir, "status-writer.out.log"), "utf8")
          .split("\n")
          .filter((l) => l.includes(`"event":"${EVENT.statusWritten}"`))
          .map((l) => JSON.parse(l))
          .filter((l) => Date.parse(l.timestamp) >= from);
        if (!lines.length) continue;
        latency[`${rate} msg/s`] = {
          receivedToDurableMs: stats(lines.map((l) => l.receivedToDurableMs)),
          busHopMs: stats(lines.map((l) => l.busHopMs)),
          sentToDurableMs: stats(lines.map((l) => l.sentToDurableMs)),
        };
        console.log(`latency at ${rate} msg/s: ${JSON.stringify(latency[`${rate} msg/s`])}`);
      }
      results.latency = latency;
    } finally {
      await suite.stop();
    }

    // Idle, production wait (20 s): SQS requests and CPU over a minute.
    const idleQueue = await sqs.createQueue("bench-idle");
    const idle = await startSuite(sqs, main, {
      OAM_STATUS_SQS_QUEUE_URL: idleQueue,
      OAM_STATUS_PREFIX: "bench-idle",
      OAM_SQS_WAIT_SECONDS: "20",
      MOCK_OAM_API: "true",
      ...o.suiteEnv,
    });
    try {
      const cpu = cpuMeter(Object.fromEntries(Object.values(await idle.pm2.byName()).map((p) => [p.name, p.pid])));
      const polls = async () => pm2Metric((await idle.pm2.byName()).poller, METRIC.polls) ?? 0;
      const polls0 = await polls();
      const start = Date.now();
      await waitFor(() => Date.now() - start >= o.idleSeconds * 1000, { what: "the idle period", timeoutMs: o.idleSeconds * 1000 + 10_000, intervalMs: 1000 });
      const polls1 = await polls();
      const seconds = Math.max(1, o.idleSeconds);
      results.idle = {
        seconds: o.idleSeconds,
        sqsRequestsPerMinute: round(((polls1 - polls0) * 60) / seconds),
        cpuPercent: Object.fromEntries(Object.entries(cpu()).map(([name, sec]) => [name, round((100 * sec) / seconds, 2)])),
        memory: await suiteMemory(idle),
      };
    } finally {
      await idle.stop();
    }

    // --- janitor: aged documents, written straight into s3rver's store ---
    const dir = path.join(main.directory, main.bucket, "bench-janitor");
    mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - 40 * 86_400;
    for (let i = 0; i < o.janitorDocs; i++) {
      const f = path.join(dir, `job-${i}-status.json._S3rver_object`);
      writeFileSync(f, "{}");
      utimesSync(f, old, old);
    }
    const child = fork(path.join(ROOT, "dist/bench/janitor-worker.js"), [main.endpoint, main.bucket, "bench-janitor"], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    const j = await new Promise<Record<string, number>>((resolve) => child.on("message", (m) => resolve(m as never)));
    results.janitor = { documents: o.janitorDocs, seconds: round(j.durationMs / 1000, 2), deleted: j.deleted, deleteObjectsCalls: j.deleteCalls, listPages: j.pages, peakRssMb: round(j.maxRssMb) };

    // --- what reading first costs the status writer (stores that ignore conditional writes) ---
    results.fallback = await measureFallback(500, 3, o.s3Dir);
    results.loadAverage.end = load();
  } finally {
    await Promise.all([sqs.stop(), catalog.close(), ...stores.map((s) => s.stop())]);
  }

  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const out = path.join(ROOT, "bench/results", `${String(results.date).replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
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
