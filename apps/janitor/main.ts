// janitor: on OAM_JANITOR_SCHEDULE (node-cron), deletes status documents older than DAYS_RETENTION days.
import cron from "node-cron";
import { createS3Client, errorMessage, runApp } from "../shared";
import { pruneStatuses } from "./prune";

runApp("janitor", async (config, logger) => {
  const s3 = createS3Client(config);
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
      logger.info("pruned", { event: "janitor.finished", ...result });
    } catch (err) {
      logger.error("pruning failed", { event: "janitor.failed", error: errorMessage(err) });
    }
  };
  const task = cron.schedule(config.janitor.schedule, () => run("schedule"), { name: "prune-statuses", noOverlap: true });
  logger.info("scheduled", { event: "janitor.scheduled", schedule: config.janitor.schedule, next: task.getNextRun()?.toISOString() });
  const first = config.janitor.runOnStart ? run("start") : Promise.resolve();
  return {
    async stop() {
      await task.stop();
      await first;
    },
  };
});
