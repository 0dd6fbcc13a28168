// `npm run bench`: the suite against two references on the same local SQS and S3 servers, in one run:
//   floor   - one process, tight SDK loops (receive 10, write each document, delete the batch)
//   typical - one process on sqs-consumer with handleMessageBatch
// Measures backlog drain throughput (repeated), latency at steady loads from the suite's own
// timestamps, RSS of every process, idle CPU and SQS requests, start-to-ready time, and the janitor
// on 100,000 aged documents. Prints a table and writes bench/results/<date>.json.
import { fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { startCatalogStandIn } from "../test/support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, type LocalS3, type LocalSqs } from "../test/support/local-servers";
import { pm2Metric } from "../test/support/pm2";
import { startSuite, type Suite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { interleave, lifecycle } from "../test/support/workload";
import { percentiles as stats, round } from "./stats";

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    messages: { type: "string", default: "10000" },
    "load-seconds": { type: "string", default: "20" },
    "idle-seconds": { type: "string", default: "60" },
    "janitor-docs": { type: "string", default: "100000" },
    // The local S3 server's store. On tmpfs by default: on this VM's disk creating a file costs
    // about 1 ms of kernel CPU (57 us on tmpfs), and s3rver creates one per PUT, so the stand-in's
    // disk took CPU from whichever contender ran (README, "Performance").
    "s3-dir": { type: "string", default: existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir() },
  },
});
const RUNS = Number(opts.runs);
const MESSAGES = Number(opts.messages);


async function fill(sqs: LocalSqs, queueUrl: string, jobPrefix: string, n: number): Promise<void> {
  const lines = interleave(Array.from({ length: Math.ceil(n / 4) }, (_, i) => lifecycle(i + 1, jobPrefix))).slice(0, n);
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += 10) batches.push(lines.slice(i, i + 10));
  // In order (a job's steps must keep their order), 10 messages per request.
  for (const b of batches) {
    await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: b.map((m, j) => ({ Id: String(j), MessageBody: m })) }));
  }
}

/**
 * Waits until a queue of `n` messages is empty and returns the drain rate, timed from the first
 * deleted message to the last: the same for the references and the suite, whatever their start-up.
 */
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

async function drainWithChild(script: string, sqs: LocalSqs, s3: LocalS3, queueUrl: string, prefix: string, catalogUrl: string, n: number) {
  const child = fork(path.join(ROOT, "dist/bench", script), [queueUrl, sqs.endpoint, s3.endpoint, s3.bucket, prefix, catalogUrl, "4"], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  const cpu = cpuMeter({ process: child.pid!, s3: s3.pid, sqs: sqs.pid });
  const result = new Promise<{ done: number; maxRssMb: number }>((resolve) => child.on("message", (m) => resolve(m as never)));
  const { msgPerSec, seconds } = await drainRate(sqs, queueUrl, n, script);
  const cpuMsPerMessage = perMessage(cpu(), n);
  const r = await result;
  return { msgPerSec, seconds, rssMb: r.maxRssMb, cpuMsPerMessage };
}

function pidRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size: pages shared between processes (Node's own binary and libraries, the
 * same in all five) counted once across them instead of once per process as RSS does. The sum of
 * PSS is the memory the suite takes from the machine.
 */
function pidPssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100/s)
  } catch {
    return 0; // gone
  }
}

/** Starts counting the CPU time of named processes; the returned function gives seconds used since. */
function cpuMeter(pids: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - start[k]]));
}

/** CPU ms per message of each process, and their total. */
function perMessage(cpuSecondsUsed: Record<string, number>, messages: number) {
  const each = Object.fromEntries(Object.entries(cpuSecondsUsed).map(([k, sec]) => [k, round((sec * 1000) / messages, 2)]));
  return { ...each, total: round(Object.values(each).reduce((a, b) => a + b, 0), 2) };
}

/** The pid of every app of a suite, and of its pm2 daemon. */
async function suitePids(suite: Suite): Promise<Record<string, number>> {
  const procs = await suite.pm2.byName();
  return {
    ...Object.fromEntries(Object.values(procs).map((p) => [p.name, p.pid])),
    "pm2 daemon": Number(readFileSync(path.join(suite.pm2.home, "pm2.pid"), "utf8")),
  };
}

async function suiteMemory(suite: Suite) {
  const pids = await suitePids(suite);
  const of = (measure: (pid: number) => number) => {
    const each = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, round(measure(pid))]));
    return { ...each, total: round(Object.values(each).reduce((a, b) => a + b, 0)) };
  };
  return { rssMb: of(pidRssMb), pssMb: of(pidPssMb) };
}

async function main() {
  const [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3("bench", opts["s3-dir"]), startCatalogStandIn()]);
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, messages: MESSAGES, runs: RUNS, s3Dir: opts["s3-dir"] };
  try {
    // --- the ZeroMQ hop on its own, first, on a quiet machine ---
    results.busHopAloneMs = await new Promise((resolve, reject) => {
      const child = fork(path.join(ROOT, "dist/bench/bus-hop.js"));
      child.on("message", resolve);
      child.on("exit", (code) => (code ? reject(new Error(`bus-hop exited with ${code}`)) : undefined));
    });
    console.log(`ZeroMQ hop alone: ${JSON.stringify(results.busHopAloneMs)}`);

    // --- throughput: drain a backlog, the three side by side, several times ---
    const tp: Record<string, Array<{ msgPerSec: number; seconds: number; rssMb?: number; cpuMsPerMessage: Record<string, number> }>> = { floor: [], typical: [], suite: [] };
    let suiteMemoryAfter: Awaited<ReturnType<typeof suiteMemory>> | undefined;
    for (let r = 1; r <= RUNS; r++) {
      for (const kind of ["floor", "typical", "suite"] as const) {
        const queueUrl = await sqs.createQueue(`bench-${kind}-${r}`);
        const prefix = `bench-${kind}-${r}`;
        await fill(sqs, queueUrl, `${kind}${r}`, MESSAGES);
        if (kind === "suite") {
          const suite = await startSuite(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: queueUrl, OAM_STATUS_PREFIX: prefix, OAM_CATALOG_URL: catalog.url, OAM_API_TOKEN: "bench" });
          try {
            const cpu = cpuMeter({ ...(await suitePids(suite)), s3: s3.pid, sqs: sqs.pid });
            const { msgPerSec, seconds } = await drainRate(sqs, queueUrl, MESSAGES, "the suite");
            tp.suite.push({ msgPerSec, seconds, cpuMsPerMessage: perMessage(cpu(), MESSAGES) });
            suiteMemoryAfter = await suiteMemory(suite);
          } finally {
            await suite.stop();
          }
        } else {
          tp[kind].push(await drainWithChild(`${kind}.js`, sqs, s3, queueUrl, prefix, catalog.url, MESSAGES));
        }
        const last = tp[kind].at(-1)!;
        console.log(`run ${r} ${kind}: ${round(last.msgPerSec)} msg/s, CPU ms per message ${JSON.stringify(last.cpuMsPerMessage)}`);
      }
    }
    const med = (k: string) => stats(tp[k].map((x) => x.msgPerSec)).p50;
    results.throughput = {
      perRun: tp,
      median: { floor: round(med("floor")), typical: round(med("typical")), suite: round(med("suite")) },
      spread: Object.fromEntries(Object.entries(tp).map(([k, v]) => [k, { min: round(Math.min(...v.map((x) => x.msgPerSec))), max: round(Math.max(...v.map((x) => x.msgPerSec))) }])),
      suiteVsFloor: round(med("suite") / med("floor"), 2),
      suiteVsTypical: round(med("suite") / med("typical"), 2),
      // Per run, side by side: the suite's rate and its CPU per message (all processes, servers
      // included) against the floor's. Steadier than the medians when the machine's speed drifts
      // between runs.
      perRunVsFloor: tp.suite.map((s, i) => ({
        rate: round(s.msgPerSec / tp.floor[i].msgPerSec, 2),
        cpuPerMessage: round(s.cpuMsPerMessage.total / tp.floor[i].cpuMsPerMessage.total, 2),
      })),
    };
    results.memoryAfterDrain = suiteMemoryAfter;

    // --- latency at steady offered loads, start-to-ready, idle ---
    const queueUrl = await sqs.createQueue("bench-latency");
    const t0 = Date.now();
    const suite = await startSuite(sqs, s3, {
      OAM_STATUS_SQS_QUEUE_URL: queueUrl,
      OAM_STATUS_PREFIX: "bench-latency",
      OAM_CATALOG_URL: catalog.url,
      OAM_API_TOKEN: "bench",
      DEBUG: "oam:status-writer",
    });
    try {
      await waitFor(async () => (pm2Metric((await suite.pm2.byName()).poller, "polls") ?? 0) >= 1, {
        what: "the first poll",
      });
      results.startToReadyMs = Date.now() - t0;
      const latency: Record<string, unknown> = {};
      let job = 0;
      for (const rate of [50, 200]) {
        const from = Date.now();
        const seconds = Number(opts["load-seconds"]);
        // Offered load: a lifecycle message every 1/rate s, in batches of up to 10 every 50 ms.
        const perTick = rate / 20;
        let carry = 0;
        for (let tick = 0; tick < seconds * 20; tick++) {
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
          .filter((l) => l.includes('"event":"status.written"'))
          .map((l) => JSON.parse(l))
          .filter((l) => Date.parse(l.timestamp) >= from);
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
    const idle = await startSuite(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: idleQueue, OAM_STATUS_PREFIX: "bench-idle", OAM_SQS_WAIT_SECONDS: "20", MOCK_OAM_API: "true" });
    try {
      const cpu = cpuMeter(Object.fromEntries(Object.values(await idle.pm2.byName()).map((p) => [p.name, p.pid])));
      const polls = async () => pm2Metric((await idle.pm2.byName()).poller, "polls") ?? 0;
      const polls0 = await polls();
      const idleSeconds = Number(opts["idle-seconds"]);
      const start = Date.now();
      await waitFor(() => Date.now() - start >= idleSeconds * 1000, { what: "the idle period", timeoutMs: idleSeconds * 1000 + 10_000, intervalMs: 1000 });
      const polls1 = await polls();
      results.idle = {
        seconds: idleSeconds,
        sqsRequestsPerMinute: round(((polls1 - polls0) * 60) / idleSeconds),
        cpuPercent: Object.fromEntries(Object.entries(cpu()).map(([name, sec]) => [name, round((100 * sec) / idleSeconds, 2)])),
        memory: await suiteMemory(idle),
      };
    } finally {
      await idle.stop();
    }

    // --- janitor: 100,000 aged documents, written straight into s3rver's store ---
    const docs = Number(opts["janitor-docs"]);
    const dir = path.join(s3.directory, s3.bucket, "bench-janitor");
    mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - 40 * 86_400;
    for (let i = 0; i < docs; i++) {
      const f = path.join(dir, `job-${i}-status.json._S3rver_object`);
      writeFileSync(f, "{}");
      utimesSync(f, old, old);
    }
    const child = fork(path.join(ROOT, "dist/bench/janitor-worker.js"), [s3.endpoint, s3.bucket, "bench-janitor"], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    const j = await new Promise<Record<string, number>>((resolve) => child.on("message", (m) => resolve(m as never)));
    results.janitor = { documents: docs, seconds: round(j.durationMs / 1000, 2), deleted: j.deleted, deleteObjectsCalls: j.deleteCalls, listPages: j.pages, peakRssMb: round(j.maxRssMb) };
  } finally {
    await Promise.all([sqs.stop(), s3.stop(), catalog.close()]);
  }

  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const out = path.join(ROOT, "bench/results", `${String(results.date).replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  printTable(results);
  console.log(`\nwritten to ${path.relative(ROOT, out)}`);
}

function printTable(r: Record<string, any>) {
  const t = r.throughput;
  const rows: Array<[string, string]> = [
    ["local S3 server's store", String(r.s3Dir)],
    ["drain msg/s, median (min-max) floor", `${t.median.floor} (${t.spread.floor.min}-${t.spread.floor.max})`],
    ["drain msg/s, median (min-max) typical", `${t.median.typical} (${t.spread.typical.min}-${t.spread.typical.max})`],
    ["drain msg/s, median (min-max) suite", `${t.median.suite} (${t.spread.suite.min}-${t.spread.suite.max})`],
    ["suite / floor (target >= 0.9)", String(t.suiteVsFloor)],
    ["suite / typical (target >= 1)", String(t.suiteVsTypical)],
    ["per run: suite / floor rate, CPU per message", t.perRunVsFloor.map((r: { rate: number; cpuPerMessage: number }) => `${r.rate}, ${r.cpuPerMessage}`).join("; ")],
  ];
  for (const kind of ["floor", "typical", "suite"]) {
    const runs: Array<{ cpuMsPerMessage: Record<string, number> }> = t.perRun[kind];
    if (runs.length) rows.push([`CPU ms per message, ${kind} (all its processes, run 1)`, JSON.stringify(runs[0].cpuMsPerMessage)]);
  }
  for (const [load, l] of Object.entries<any>(r.latency ?? {})) {
    rows.push([`${load}: receive->durable p50/p95/p99 ms`, `${l.receivedToDurableMs.p50}/${l.receivedToDurableMs.p95}/${l.receivedToDurableMs.p99}`]);
    rows.push([`${load}: ZeroMQ hop p50/p95/p99 ms`, `${l.busHopMs.p50}/${l.busHopMs.p95}/${l.busHopMs.p99}`]);
    rows.push([`${load}: send->durable p50/p95/p99 ms`, `${l.sentToDurableMs.p50}/${l.sentToDurableMs.p95}/${l.sentToDurableMs.p99}`]);
  }
  for (const [k, h] of Object.entries<any>(r.busHopAloneMs)) rows.push([`ZeroMQ hop alone, ${k}: p50/p95/p99 ms`, `${h.p50}/${h.p95}/${h.p99}`]);
  const mem = (m: Record<string, number>) => `${m.total} ${JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => k !== "total")))}`;
  if (r.memoryAfterDrain) {
    rows.push(["suite RSS after drain, MB (incl. pm2 daemon)", mem(r.memoryAfterDrain.rssMb)]);
    rows.push(["suite PSS after drain, MB (incl. pm2 daemon)", mem(r.memoryAfterDrain.pssMb)]);
  }
  rows.push(["suite RSS idle, MB", mem(r.idle.memory.rssMb)]);
  rows.push(["suite PSS idle, MB", mem(r.idle.memory.pssMb)]);
  rows.push(["start to ready, ms", String(r.startToReadyMs)]);
  rows.push(["idle SQS requests/min (wait 20 s)", String(r.idle.sqsRequestsPerMinute)]);
  rows.push(["idle CPU %", JSON.stringify(r.idle.cpuPercent)]);
  rows.push([`janitor: ${r.janitor.documents} docs`, `${r.janitor.seconds} s, ${r.janitor.deleteObjectsCalls} DeleteObjects, ${r.janitor.listPages} pages, peak ${r.janitor.peakRssMb} MB`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log("");
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
