// status-writer: every status on the bus -> s3://$OAM_STATUS_BUCKET/$OAM_STATUS_PREFIX/<jobId>-status.json
import { BusClient, BusConsumer, runApp, TOPIC_ALL } from "../shared";
import { createS3Client } from "../shared/s3-client";
import { exposeMetrics } from "../shared/metrics";
import { DocumentStore } from "./document-store";
import { StatusWriter } from "./status-writer";

runApp("status-writer", async (config, logger) => {
  const writer = new StatusWriter(new DocumentStore(createS3Client(config), config.status.bucket), config.status.prefix, logger, config.s3MaxBackoffMs);
  const consumer = new BusConsumer(new BusClient(config.bus, "status-writer", [TOPIC_ALL]), writer.handle, logger, config.stopTimeoutMs);
  consumer.start();
  exposeMetrics({
    received: () => consumer.stats.received,
    "in flight": () => consumer.inFlight,
    "documents written": () => writer.stats.written,
    "older, not written": () => writer.stats.stale,
    "superseded, not written": () => writer.stats.superseded,
    "conditional-write conflicts": () => writer.stats.conflicts,
    "write retries": () => writer.stats.retries,
  });
  return consumer;
});
