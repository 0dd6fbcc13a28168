// Builds the monitoring endpoint from the config. Served from the janitor: the app that is idle
// between its daily prunes and already loads the AWS SDK, so the endpoint costs least there (a
// process of its own would cost a whole Node process; README, "Monitoring"). Not the poller: a
// health check served by the process it judges cannot say that process is down.
import { registerSecret, type Logger } from "../runtime/logger";
import { type JanitorConfig } from "../runtime/config";
import { Pm2Processes } from "../runtime/pm2-processes";
import { createSqsClient } from "../aws/sqs-client";
import { MonitoringServer } from "./monitoring-server";
import { QueueBacklog } from "./queue-backlog";
import { SUITE_VERSION } from "../runtime/version";

/** The started server, or undefined when OAM_METRICS_PORT=0 turns it off. */
export async function startMonitoring(config: JanitorConfig, logger: Logger): Promise<MonitoringServer | undefined> {
  const { host, port, token, backlogIntervalMs } = config.metrics;
  if (port === 0) {
    logger.info("no monitoring endpoint (OAM_METRICS_PORT=0)", { event: "monitoring.off" });
    return undefined;
  }
  registerSecret(token);
  const backlog = config.queueUrl
    ? new QueueBacklog(createSqsClient(config.aws), config.queueUrl, backlogIntervalMs, (err) =>
        logger.warn("could not read the queue's backlog", { event: "monitoring.backlog_failed", error: String((err as Error)?.message ?? err) }),
      )
    : undefined;
  const server = new MonitoringServer({
    host,
    port,
    token,
    maxPollAgeSeconds: config.health.maxPollAgeSeconds,
    pm2: new Pm2Processes(config.health.pm2Home),
    backlog,
    version: SUITE_VERSION,
    logger,
  });
  await server.start();
  return server;
}
