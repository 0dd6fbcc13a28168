// poller: SQS -> validation -> ZeroMQ bus; deletes from SQS once consumers have acked.
import { BusServer, createS3Client, createSqsClient, runApp } from "../shared";
import { Poller } from "./poller";
import { Quarantine } from "./quarantine";

runApp("poller", async (config, logger) => {
  const bus = new BusServer(config.bus);
  await bus.start();
  const poller = new Poller({
    config,
    sqs: createSqsClient(config),
    bus,
    quarantine: new Quarantine(createS3Client(config), config.status.bucket, config.status.prefix),
    logger,
  });
  poller.start();
  logger.info("polling", { event: "poller.polling", queueUrl: config.sqs.queueUrl, waitSeconds: config.sqs.waitSeconds, bus: config.bus.pubEndpoint });
  return poller;
});
