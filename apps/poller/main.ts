// poller: SQS -> validation -> ZeroMQ bus; deletes from SQS once consumers have acked.
import { BusServer } from "../shared/bus/bus";
import { runApp } from "../shared/runtime/run-app";
import { createS3Client } from "../shared/aws/s3-client";
import { createSqsClient } from "../shared/aws/sqs-client";
import { ageSeconds, exposeMetrics } from "../shared/runtime/metrics";
import { METRIC } from "../shared/runtime/names";
import { Poller } from "./poller";
import { Quarantine } from "../shared/aws/quarantine";

runApp("poller", async (config, logger) => {
  const bus = new BusServer(config.bus);
  await bus.start();
  const poller = new Poller({
    config,
    sqs: createSqsClient(config.aws, config.sqs.waitSeconds),
    bus,
    quarantine: new Quarantine(createS3Client(config), config.status.bucket, config.status.prefix),
    logger,
  });
  poller.start();
  exposeMetrics({
    [METRIC.polls]: () => poller.stats.polls,
    [METRIC.received]: () => poller.stats.received,
    [METRIC.acked]: () => poller.stats.acked,
    [METRIC.inFlight]: () => poller.inFlight.size,
    [METRIC.oldestInFlightAge]: { value: () => Math.round(poller.inFlight.oldestAgeMs(Date.now()) / 1000), unit: "s" },
    [METRIC.lastPollAge]: { value: () => ageSeconds(poller.stats.lastPollAt), unit: "s" },
    [METRIC.quarantined]: () => poller.stats.quarantined,
    [METRIC.republished]: () => poller.stats.republished,
    [METRIC.deleted]: () => poller.deletedCount,
    [METRIC.deleteCalls]: () => poller.deleteCalls,
  });
  logger.info("polling", { event: "poller.polling", queueUrl: config.sqs.queueUrl, waitSeconds: config.sqs.waitSeconds, bus: config.bus.pubEndpoint });
  return poller;
});
