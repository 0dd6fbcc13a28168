#!/usr/bin/env node
// oam-status: the operator's command line. Reads the same variables as the suite.
import { parseArgs } from "node:util";
import { ConfigError, errorMessage } from "../shared/util/errors";
import { buildConfig, queueConfig, storeUserConfig } from "../shared/runtime/config";
import { readVariables } from "../shared/runtime/config-variables";
import { SUITE_VERSION } from "../shared/runtime/version";
import { createS3Client } from "../shared/aws/s3-client";
import { createSqsClient } from "../shared/aws/sqs-client";
import { checkHealth, formatHealth } from "./health";
import { ping } from "./ping";
import { replay } from "./replay";
import { sendLines } from "./send";
import { showStatus } from "./show-status";

const USAGE = `usage: oam-status <command> [options]
  --version                  print the suite's version
  send [file.jsonl | -]      send one SQS message per line (stdin when no file or -)
  status <jobId>             print a job's status document
  ping [--timeout S]         send {"test": true} and wait for the poller's answer in its log
  health [--json]            each app's state and metrics from pm2; exit 1 when unhealthy
  replay [--day yyyy-mm-dd | --key K] [--dry-run]
                             send quarantined messages (after fixing their "body") back to the queue
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
      json: { type: "boolean" },
      timeout: { type: "string" },
      day: { type: "string" },
      key: { type: "string" },
      "dry-run": { type: "boolean" },
    },
  });
  const [command, ...args] = positionals;
  if (values.version) {
    console.log(SUITE_VERSION);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  // Every variable is checked, as the apps do; each command then reads the sections it needs, which
  // say what is missing.
  const vars = readVariables(process.env);
  const config = buildConfig("cli", vars);
  const queue = () => queueConfig(vars);
  const store = () => storeUserConfig(vars, config.aws);
  switch (command) {
    case "send": {
      const { queueUrl } = queue();
      const { sent, failed } = await sendLines(createSqsClient(config.aws), queueUrl, args[0] ?? "-");
      console.log(`sent ${sent} message(s) to ${queueUrl}${failed ? `, ${failed} failed` : ""}`);
      return failed ? 1 : 0;
    }
    case "status": {
      const s3 = store();
      if (!args[0]) throw new Error("status needs a jobId");
      const doc = await showStatus(createS3Client(s3), s3.status.bucket, s3.status.prefix, args[0]);
      if (doc === null) {
        console.error(`no status document for job ${args[0]}`);
        return 1;
      }
      console.log(JSON.stringify(JSON.parse(doc), null, 2));
      return 0;
    }
    case "ping": {
      const { queueUrl } = queue();
      const timeoutMs = Number(values.timeout ?? 30) * 1000;
      if (!(timeoutMs > 0)) throw new Error("--timeout must be a positive number of seconds");
      const res = await ping(createSqsClient(config.aws), queueUrl, config.log.dir, timeoutMs);
      console.log(`pong from the poller in ${res.roundTripMs} ms (ping ${res.pingId})`);
      return 0;
    }
    case "health": {
      const report = await checkHealth(config.health.pm2Home, config.health.maxPollAgeSeconds, SUITE_VERSION);
      console.log(values.json ? JSON.stringify(report, null, 2) : formatHealth(report));
      return report.healthy ? 0 : 1;
    }
    case "replay": {
      const { queueUrl } = queue();
      const s3 = store();
      const res = await replay({
        s3: createS3Client(s3),
        sqs: createSqsClient(config.aws),
        bucket: s3.status.bucket,
        prefix: s3.status.prefix,
        queueUrl,
        day: values.day,
        key: values.key,
        dryRun: values["dry-run"],
        log: (l) => console.log(l),
      });
      console.log(`${values["dry-run"] ? "would replay" : "replayed"} ${res.replayed}, skipped ${res.skipped}`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}`);
      return 2;
  }
}

// As for the apps (ecosystem.config.js): the SDK warns once per process that its 2027 releases need
// Node 22, in eight lines on stderr around a command's answer; the lockfile pins ours.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? `config error: ${err.message}` : `error: ${errorMessage(err)}`);
    process.exit(1);
  },
);
