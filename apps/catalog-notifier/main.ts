// catalog-notifier: mosaic FINISHED on the bus -> POST $OAM_CATALOG_URL/tms (or a log line when MOCK_OAM_API=true).
import { BusClient, BusConsumer, runApp, TOPIC_MOSAIC_FINISHED } from "../shared";
import { createS3Client } from "../shared/s3-client";
import { exposeMetrics } from "../shared/metrics";
import { CatalogClient } from "./catalog-client";
import { CatalogNotifier } from "./catalog-notifier";
import { CatalogRecords } from "./catalog-records";

runApp("catalog-notifier", async (config, logger) => {
  const notifier = new CatalogNotifier(
    new CatalogClient(config.catalog.url, config.catalog.token, config.catalog.timeoutMs),
    new CatalogRecords(createS3Client(config), config.status.bucket, config.status.prefix),
    logger,
    {
      mock: config.catalog.mock,
      maxBackoffMs: config.catalog.maxBackoffMs,
      s3MaxBackoffMs: config.s3MaxBackoffMs,
      owner: config.suiteId,
      claimLeaseMs: config.catalog.claimLeaseMs,
      maxConcurrentPosts: config.catalog.maxConcurrentPosts,
    },
  );
  const consumer = new BusConsumer(new BusClient(config.bus, "catalog-notifier", [TOPIC_MOSAIC_FINISHED]), notifier.handle, logger, config.stopTimeoutMs);
  consumer.start();
  exposeMetrics({
    received: () => consumer.stats.received,
    "in flight": () => consumer.inFlight,
    "catalog posts": () => notifier.stats.posted + notifier.stats.mocked,
    "catalog retries": () => notifier.stats.retries,
    "catalog failures": () => notifier.stats.rejected,
    "already posted": () => notifier.stats.skipped,
    "claim conflicts": () => notifier.stats.claimConflicts,
    "posts in progress": () => notifier.postsInProgress,
  });
  logger.info("notifying", { event: "notifier.ready", endpoint: config.catalog.url, mock: config.catalog.mock });
  return consumer;
});
