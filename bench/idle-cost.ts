// What the idle suite costs: each app's RSS and PSS after start-up, and its CPU over an idle
// period with the production long poll (20 s), optionally scraped like Prometheus would
// (--scrape-seconds 15). For before/after comparisons of changes to what the apps load.
//   node dist/bench/idle-cost.js [--seconds 60] [--scrape-seconds 0] [--runs 1]
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startLocalS3, startLocalSqs } from "../test/support/local-servers";
import { pm2Metric } from "../test/support/pm2";
import { startSuite, type Suite } from "../test/support/suite";
import { METRIC } from "../apps/shared/runtime/names";
import { waitFor } from "../test/support/wait";
import { cpuSeconds, pidPssMb, pidRssMb } from "./proc-stats";
import { round } from "./stats";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    "scrape-seconds": { type: "string", default: "0" },
    runs: { type: "string", default: "1" },
  },
});

async function pids(suite: Suite): Promise<Record<string, number>> {
  const procs = await suite.pm2.byName();
  return {
    ...Object.fromEntries(Object.values(procs).map((p) => [p.name, p.pid])),
    "pm2 daemon": Number(readFileSync(path.join(suite.pm2.home, "pm2.pid"), "utf8")),
  };
}

const sum = (o: Record<string, number>) => round(Object.values(o).reduce((a, b) => a + b, 0));
const each = (p: Record<string, number>, f: (pid: number) => number) => Object.fromEntries(Object.entries(p).map(([k, pid]) => [k, round(f(pid))]));

async function main() {
  const [sqs, s3] = await Promise.all([startLocalSqs(), startLocalS3("idle")]);
  const seconds = Number(opts.seconds);
  const scrapeSeconds = Number(opts["scrape-seconds"]);
  try {
    for (let run = 0; run < Number(opts.runs); run++) {
      const queueUrl = await sqs.createQueue(`idle-${run}`);
      const suite = await startSuite(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: queueUrl, OAM_STATUS_PREFIX: "idle", OAM_SQS_WAIT_SECONDS: "20", MOCK_OAM_API: "true" });
      try {
        await waitFor(async () => (pm2Metric((await suite.pm2.byName()).poller, METRIC.polls) ?? 0) >= 1 || undefined, { what: "the first poll", timeoutMs: 60_000, intervalMs: 500 });
        const p = await pids(suite);
        const cpu0 = each(p, cpuSeconds);
        const metricsUrl = (suite as Partial<Suite>).metricsUrl;
        let scrapes = 0;
        const start = Date.now();
        let nextScrape = scrapeSeconds > 0 ? start : Infinity;
        await waitFor(
          async () => {
            if (metricsUrl && Date.now() >= nextScrape) {
              nextScrape += scrapeSeconds * 1000;
              const res = await fetch(`${metricsUrl}/metrics`);
              await res.text();
              if (res.status === 200) scrapes++;
            }
            return Date.now() - start >= seconds * 1000;
          },
          { what: "the idle period", timeoutMs: seconds * 1000 + 10_000, intervalMs: 250 },
        );
        const cpu = Object.fromEntries(Object.entries(p).map(([k, pid]) => [k, round((100 * (cpuSeconds(pid) - cpu0[k])) / seconds, 2)]));
        const rss = each(p, pidRssMb);
        const pss = each(p, pidPssMb);
        console.log(JSON.stringify({ run, seconds, scrapes, cpuPercent: { ...cpu, total: sum(cpu) }, rssMb: { ...rss, total: sum(rss) }, pssMb: { ...pss, total: sum(pss) } }));
      } finally {
        await suite.stop();
      }
    }
  } finally {
    await Promise.all([sqs.stop(), s3.stop()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
