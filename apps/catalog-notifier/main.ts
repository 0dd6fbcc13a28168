// catalog-notifier: mosaic FINISHED on the bus -> POST $OAM_CATALOG_URL/tms (or a log line when MOCK_OAM_API=true).
import { BusClient } from "../shared/bus/bus";
import { BusConsumer } from "../shared/bus/consumer";
import { runApp } from "../shared/runtime/run-app";
import { registerSecret } from "../shared/runtime/logger";
import { createS3Client } from "../shared/aws/s3-client";
import { METRIC } from "../shared/runtime/names";
import { Quarantine } from "../shared/aws/quarantine";
import { probeStore, runConsumer } from "../shared/bus/consumer-app";
import { CatalogClient } from "./catalog-client";
import { CatalogNotifier } from "./catalog-notifier";
import { CatalogRecords } from "./catalog-records";

runApp("catalog-notifier", async (config, logger) => {
  registerSecret(config.catalog.token);
  const s3 = createS3Client(config);
  const { bucket, prefix } = config.status;
  const store = await probeStore(s3, config, logger);
  const notifier = new CatalogNotifier(
    new CatalogClient(config.catalog.url, config.catalog.token, config.catalog.timeoutMs),
    new CatalogRecords(s3, bucket, prefix, store),
    logger,
    {
      mock: config.catalog.mock,
      maxBackoffMs: config.catalog.maxBackoffMs,
      startingDelayMs: config.catalog.firstRetryMs,
      s3MaxBackoffMs: config.s3MaxBackoffMs,
      owner: config.suiteId,
      claimLeaseMs: config.catalog.claimLeaseMs,
      maxConcurrentPosts: config.catalog.maxConcurrentPosts,
      quarantine: new Quarantine(s3, bucket, prefix),
      bound: config.messageBound,
    },
  );
  const consumer = new BusConsumer(new BusClient(config.bus, "catalog-notifier"), notifier.handle, logger, config.stopTimeoutMs);
  logger.info("notifying", { event: "notifier.ready", endpoint: config.catalog.url, mock: config.catalog.mock });
  return runConsumer(consumer, store, {
    [METRIC.catalogPosts]: () => notifier.stats.posted + notifier.stats.mocked,
    [METRIC.catalogRetries]: () => notifier.stats.retries,
    [METRIC.catalogFailures]: () => notifier.stats.rejected,
    [METRIC.alreadyPosted]: () => notifier.stats.skipped,
    [METRIC.foundInCatalog]: () => notifier.stats.foundInCatalog,
    [METRIC.claimConflicts]: () => notifier.stats.claimConflicts,
    [METRIC.postsInProgress]: () => notifier.postsInProgress,
    [METRIC.catalogAuthFailures]: () => notifier.tokenAlarm.failures,
    [METRIC.catalogTokenRefused]: () => (notifier.tokenAlarm.failing ? 1 : 0),
    [METRIC.quarantined]: () => notifier.stats.quarantined,
  });
});
