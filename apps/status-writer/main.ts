// status-writer: every status on the bus -> s3://$OAM_STATUS_BUCKET/$OAM_STATUS_PREFIX/<jobId>-status.json
import { BusClient } from "../shared/bus/bus";
import { BusConsumer } from "../shared/bus/consumer";
import { runApp } from "../shared/runtime/run-app";
import { createS3Client } from "../shared/aws/s3-client";
import { METRIC } from "../shared/runtime/names";
import { Quarantine } from "../shared/aws/quarantine";
import { probeStore, runConsumer } from "../shared/bus/consumer-app";
import { DocumentStore } from "./document-store";
import { StatusWriter } from "./status-writer";

runApp("status-writer", async (config, logger) => {
  const s3 = createS3Client(config);
  const { bucket, prefix } = config.status;
  const store = await probeStore(s3, config, logger);
  const writer = new StatusWriter(new DocumentStore(s3, bucket, store), prefix, logger, {
    maxBackoffMs: config.s3MaxBackoffMs,
    quarantine: new Quarantine(s3, bucket, prefix),
    bound: config.messageBound,
  });
  const consumer = new BusConsumer(new BusClient(config.bus, "status-writer"), writer.handle, logger, config.stopTimeoutMs);
  return runConsumer(consumer, store, {
    [METRIC.documentsWritten]: () => writer.stats.written,
    [METRIC.stale]: () => writer.stats.stale,
    [METRIC.superseded]: () => writer.stats.superseded,
    [METRIC.conditionalWriteConflicts]: () => writer.stats.conflicts,
    [METRIC.writeRetries]: () => writer.stats.retries,
    [METRIC.quarantined]: () => writer.stats.quarantined,
  });
});
