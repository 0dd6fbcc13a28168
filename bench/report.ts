// The benchmark's table: what bench/results/<date>.json holds, one line per figure.
import type { BenchResults } from "./results";
import type { Spread } from "./throughput";

const range = (s: Spread) => `${s.median} (${s.min}-${s.max})`;

export function printTable(r: BenchResults) {
  const rows: Array<[string, string]> = [];
  const o = r.options;
  rows.push(["options", `${o.runs} runs of ${o.messages} messages, ${o.concurrentJobs} jobs at once, stores ${o.stores.join(", ")}, S3 store in ${o.s3Dir}`]);
  rows.push(["load average (1, 5, 15 min)", Object.entries(r.loadAverage).map(([k, v]) => `${k} ${v.join("/")}`).join("; ")]);
  for (const [regime, t] of Object.entries(r.throughput)) {
    const d = t.delaysMs;
    const label = regime === "aws" ? `aws-like (+${d.sqs} ms SQS, +${d.s3} ms S3, +${d.catalog} ms catalog)` : regime;
    for (const [row, s] of Object.entries(t.rate)) rows.push([`${label}: ${row}, msg/s median (min-max)`, `${range(s)}  [${t.perRun[row].map((x) => Math.round(x.msgPerSec)).join(", ")}]`]);
    for (const [name, s] of Object.entries(t.ratios)) rows.push([`${label}: ${name}, per run median (min-max)`, `${range(s)}  [${s.perRun.join(", ")}]`]);
    for (const row of Object.keys(t.perRun)) {
      const first = t.perRun[row][0];
      rows.push([`${label}: CPU ms per message, ${row} (run 1)`, JSON.stringify(first.cpuMsPerMessage) + (first.proxyCpuMsPerMessage !== undefined ? `, proxy ${first.proxyCpuMsPerMessage}` : "")]);
    }
  }
  for (const [load, l] of Object.entries(r.latency)) {
    rows.push([`${load}: receive->durable p50/p95/p99 ms`, `${l.receivedToDurableMs.p50}/${l.receivedToDurableMs.p95}/${l.receivedToDurableMs.p99}`]);
    rows.push([`${load}: ZeroMQ hop p50/p95/p99 ms`, `${l.busHopMs.p50}/${l.busHopMs.p95}/${l.busHopMs.p99}`]);
    rows.push([`${load}: send->durable p50/p95/p99 ms`, `${l.sentToDurableMs.p50}/${l.sentToDurableMs.p95}/${l.sentToDurableMs.p99}`]);
  }
  for (const [k, h] of Object.entries(r.busHopAloneMs)) rows.push([`ZeroMQ hop alone, ${k}: p50/p95/p99 ms`, `${h.p50}/${h.p95}/${h.p99}`]);
  const mem = (m: Record<string, number>) => `${m.total} ${JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => k !== "total")))}`;
  if (r.memoryAfterDrain) {
    rows.push(["suite RSS after drain, MB (incl. pm2 daemon)", mem(r.memoryAfterDrain.rssMb)]);
    rows.push(["suite PSS after drain, MB (incl. pm2 daemon)", mem(r.memoryAfterDrain.pssMb)]);
  }
  rows.push(["suite RSS idle, MB", mem(r.idle.memory.rssMb)]);
  rows.push(["suite PSS idle, MB", mem(r.idle.memory.pssMb)]);
  rows.push(["idle SQS requests/min (wait 20 s)", String(r.idle.sqsRequestsPerMinute)]);
  rows.push(["idle CPU %", JSON.stringify(r.idle.cpuPercent)]);
  rows.push(["start to ready, ms", String(r.startToReadyMs)]);
  for (const f of r.fallback) {
    rows.push([`status writer alone, ${f.store}, ${f.mode}`, `${f.msgPerSecond} msg/s, ${f.cpuMsPerMessage} CPU ms and ${f.s3CallsPerMessage} S3 calls per message`]);
  }
  rows.push([`janitor: ${r.janitor.documents} docs`, `${r.janitor.seconds} s, ${r.janitor.deleteObjectsCalls} DeleteObjects, ${r.janitor.listPages} pages, peak ${r.janitor.peakRssMb} MB`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log("");
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}
