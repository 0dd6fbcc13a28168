#!/usr/bin/env node
// oam-status: the operator's command line. Reads the same variables as the suite.
import { parseArgs } from "node:util";
import { ConfigError, createS3Client, createSqsClient, errorMessage, loadConfig } from "../shared";
import { sendLines } from "./send";
import { showStatus } from "./show-status";

const USAGE = `usage: oam-status <command>
  send [file.jsonl | -]   send one SQS message per line (stdin when no file or -)
  status <jobId>          print a job's status document
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfig("cli");
  switch (command) {
    case "send": {
      if (!config.sqs.queueUrl) throw new ConfigError("OAM_STATUS_SQS_QUEUE_URL", "is required to send");
      const { sent, failed } = await sendLines(createSqsClient(config), config.sqs.queueUrl, args[0] ?? "-");
      console.log(`sent ${sent} message(s) to ${config.sqs.queueUrl}${failed ? `, ${failed} failed` : ""}`);
      return failed ? 1 : 0;
    }
    case "status": {
      if (!args[0]) throw new Error("status needs a jobId");
      if (!config.status.bucket || !config.status.prefix) throw new ConfigError("OAM_STATUS_BUCKET", "and OAM_STATUS_PREFIX are required");
      const doc = await showStatus(createS3Client(config), config.status.bucket, config.status.prefix, args[0]);
      if (doc === null) {
        console.error(`no status document for job ${args[0]}`);
        return 1;
      }
      console.log(JSON.stringify(JSON.parse(doc), null, 2));
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? `config error: ${err.message}` : `error: ${errorMessage(err)}`);
    process.exit(1);
  },
);
