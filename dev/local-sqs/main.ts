// local-sqs (local profile only): an SQS-compatible server (npm local-aws-sqs) with the status queue
// created, so the suite runs with no AWS account. Its queues live in memory.
import { createSqsServer } from "local-aws-sqs";
import { localSqsSettings } from "../local-settings";

async function main() {
  const s = localSqsSettings();
  const server = await createSqsServer({
    port: s.port,
    hostname: s.hostname,
    emulateQueueCreationLifecycle: false,
    queues: [{ QueueName: s.queueName, Attributes: { VisibilityTimeout: "60" } }],
  });
  console.log(JSON.stringify({ level: "info", app: "local-sqs", event: "local_sqs.listening", message: `SQS on http://${s.hostname}:${s.port}, queue ${s.queueName}` }));
  process.send?.("ready"); // pm2 wait_ready: the suite starts once the server listens
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(JSON.stringify({ level: "error", app: "local-sqs", message: String(err?.message ?? err) }));
  process.exit(1);
});
