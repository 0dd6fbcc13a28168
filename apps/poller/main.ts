// poller: SQS -> validation -> ZeroMQ bus; deletes from SQS once consumers have acked.
import { BusServer, runApp } from "../shared";
import { createS3Client } from "../shared/s3-client";
import { createSqsClient } from "../shared/sqs-client";
import { ageSeconds, exposeMetrics } from "../shared/metrics";
import { Poller } from "./poller";
import { Quarantine } from "../shared/quarantine";

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
  exposeMetrics({
    polls: () => poller.stats.polls,
    received: () => poller.stats.received,
    acked: () => poller.stats.acked,
    "in flight": () => poller.inFlight.size,
    "oldest in-flight age": { value: () => Math.round(poller.inFlight.oldestAgeMs(Date.now()) / 1000), unit: "s" },
    "last poll age": { value: () => ageSeconds(poller.stats.lastPollAt), unit: "s" },
    quarantined: () => poller.stats.quarantined,
    republished: () => poller.stats.republished,
    deleted: () => poller.deletedCount,
    "delete calls": () => poller.deleteCalls,
  });
  logger.info("polling", { event: "poller.polling", queueUrl: config.sqs.queueUrl, waitSeconds: config.sqs.waitSeconds, bus: config.bus.pubEndpoint });
  return poller;
});
