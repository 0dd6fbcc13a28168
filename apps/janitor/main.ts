// janitor: on OAM_JANITOR_SCHEDULE (node-cron), deletes status documents older than DAYS_RETENTION days.
// It also serves the suite's /metrics, /healthz and /readyz (apps/shared/monitoring).
import cron from "node-cron";
import { errorMessage } from "../shared/util/errors";
import { runApp } from "../shared/runtime/run-app";
import { createS3Client } from "../shared/aws/s3-client";
import { ageSeconds, exposeMetrics } from "../shared/runtime/metrics";
import { METRIC } from "../shared/runtime/names";
import { startMonitoring } from "../shared/monitoring/start-monitoring";
import { pruneStatuses } from "./prune";

runApp("janitor", async (config, logger) => {
  const s3 = createS3Client(config);
  const stats = { lastRunAt: 0, lastDeleted: 0, deleted: 0, failedRuns: 0 };
  exposeMetrics({
    [METRIC.lastRunAge]: { value: () => ageSeconds(stats.lastRunAt), unit: "s" },
    [METRIC.lastRunDeleted]: () => stats.lastDeleted,
    [METRIC.deleted]: () => stats.deleted,
    [METRIC.failedRuns]: () => stats.failedRuns,
  });
  const run = async (reason: string) => {
    logger.info("pruning", { event: "janitor.started", reason, prefix: config.status.prefix, retentionDays: config.janitor.retentionDays });
    try {
      const result = await pruneStatuses({
        s3,
        bucket: config.status.bucket,
        prefix: config.status.prefix,
        retentionDays: config.janitor.retentionDays,
        pageSize: config.janitor.pageSize,
        logger,
      });
      Object.assign(stats, { lastRunAt: Date.now(), lastDeleted: result.deleted, deleted: stats.deleted + result.deleted });
      logger.info("pruned", { event: "janitor.finished", ...result });
    } catch (err) {
      stats.failedRuns++;
      logger.error("pruning failed", { event: "janitor.failed", error: errorMessage(err) });
    }
  };
  const task = cron.schedule(config.janitor.schedule, () => run("schedule"), { name: "prune-statuses", noOverlap: true });
  logger.info("scheduled", { event: "janitor.scheduled", schedule: config.janitor.schedule, next: task.getNextRun()?.toISOString() });
  const first = config.janitor.runOnStart ? run("start") : Promise.resolve();
  const monitoring = await startMonitoring(config, logger);
  return {
    async stop() {
      await task.stop();
      await first;
      await monitoring?.stop();
    },
  };
});
