// What the idle suite costs: each app's RSS and PSS after start-up, and its CPU over an idle
// period with the production long poll (20 s), optionally scraped like Prometheus would
// (--scrape-seconds 15). For before/after comparisons of changes to what the apps load.
//   node dist/bench/idle-cost.js [--seconds 60] [--scrape-seconds 0] [--runs 1]
import { parseArgs } from "node:util";
import { startLocalS3, startLocalSqs } from "../test/support/local-servers";
import { pm2Metric } from "../test/support/pm2";
import { startSuite } from "../test/support/suite";
import { METRIC } from "../apps/shared/runtime/names";
import { waitFor } from "../test/support/wait";
import { suitePids } from "./drain";
import { cpuMeter, ofEach, pidPssMb, pidRssMb } from "./proc-stats";
import { round } from "./stats";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    "scrape-seconds": { type: "string", default: "0" },
    runs: { type: "string", default: "1" },
  },
});

async function main() {
  const [sqs, s3] = await Promise.all([startLocalSqs(), startLocalS3("idle")]);
  const seconds = Number(opts.seconds);
  const scrapeSeconds = Number(opts["scrape-seconds"]);
  try {
    for (let run = 0; run < Number(opts.runs); run++) {
      const queueUrl = await sqs.createQueue(`idle-${run}`);
      const suite = await startSuite(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: queueUrl, OAM_STATUS_PREFIX: "idle", OAM_SQS_WAIT_SECONDS: "20", MOCK_OAM_API: "true" });
      try {
        await waitFor(async () => (pm2Metric((await suite.pm2.byName()).poller, METRIC.polls) ?? 0) >= 1, { what: "the first poll", timeoutMs: 60_000, intervalMs: 500 });
        const p = await suitePids(suite);
        const used = cpuMeter(p);
        let scrapes = 0;
        const start = Date.now();
        let nextScrape = scrapeSeconds > 0 ? start : Infinity;
        await waitFor(
          async () => {
            if (Date.now() >= nextScrape) {
              nextScrape += scrapeSeconds * 1000;
              const res = await fetch(`${suite.metricsUrl}/metrics`);
              await res.text();
              if (res.status === 200) scrapes++;
            }
            return Date.now() - start >= seconds * 1000;
          },
          { what: "the idle period", timeoutMs: seconds * 1000 + 10_000, intervalMs: 250 },
        );
        const cpu = Object.fromEntries(Object.entries(used()).map(([k, sec]) => [k, round((100 * sec) / seconds, 2)]));
        const cpuTotal = round(Object.values(cpu).reduce((a, b) => a + b, 0));
        console.log(JSON.stringify({ run, seconds, scrapes, cpuPercent: { ...cpu, total: cpuTotal }, rssMb: ofEach(p, pidRssMb), pssMb: ofEach(p, pidPssMb) }));
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
