// The common start-up of every app: load and validate the config (one line and exit 78 when it is
// wrong, so pm2 backs off), build the logger, start the app, and stop it cleanly on SIGINT/SIGTERM
// within OAM_STOP_TIMEOUT_SECONDS (pm2's kill_timeout is longer).
import { loadConfig, type AppName, type Config } from "./config";
import { ConfigError, errorMessage } from "./errors";
import { startLogRotation } from "./log-rotation";
import { createLogger, registerSecret, type Logger } from "./logger";

export const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h
/** Pause between the last log line and exit, so pm2 writes it (see shutdown). */
const LOG_FLUSH_MS = 250;

export interface Running {
  stop(): Promise<void>;
}

export function runApp(app: AppName, start: (config: Config, logger: Logger) => Promise<Running>): void {
  let config: Config;
  try {
    config = loadConfig(app);
  } catch (err) {
    const line = err instanceof ConfigError ? `config error: ${err.message}` : `config error: ${errorMessage(err)}`;
    console.error(JSON.stringify({ level: "error", app, event: "config.invalid", message: line }));
    process.exit(EXIT_CONFIG);
  }
  registerSecret(config.catalog.token);
  const logger = createLogger(app, { debug: config.log.debug, mail: config.mail });
  startLogRotation({ dir: config.log.dir, app, maxBytes: config.log.maxBytes, keep: config.log.keep, intervalMs: config.log.checkMs }, (err) =>
    logger.warn("log rotation failed", { event: "log.rotation_failed", error: errorMessage(err) }),
  );

  let stopping: Promise<void> | undefined;
  let running: Running | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    logger.info("stopping", { event: "app.stopping", signal });
    const deadline = setTimeout(() => {
      logger.error("stop deadline passed, exiting with work handed back", { event: "app.stop_timeout" });
      process.exit(1);
    }, config.stopTimeoutMs + 2000);
    deadline.unref();
    stopping = (running ? running.stop() : Promise.resolve())
      .then(() => {
        logger.info("stopped", { event: "app.stopped" });
        // pm2 destroys an app's log streams when it sees the process exit, dropping lines it has
        // not written yet (God/ForkMode.js, on 'exit'): the last lines, "stopped" among them, went
        // missing now and then. A short pause lets the daemon read and write them first.
        logger.on("finish", () => setTimeout(() => process.exit(0), LOG_FLUSH_MS));
        logger.end();
        setTimeout(() => process.exit(0), 500 + LOG_FLUSH_MS).unref();
      })
      .catch((err) => {
        logger.error("stop failed", { event: "app.stop_failed", error: errorMessage(err) });
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("unhandledRejection", (err) => {
    logger.error("unhandled rejection", { event: "app.crash", error: errorMessage(err) });
    process.exit(1);
  });

  start(config, logger)
    .then((r) => {
      running = r;
      logger.info("started", { event: "app.started" });
    })
    .catch((err) => {
      logger.error("failed to start", { event: "app.start_failed", error: errorMessage(err) });
      setTimeout(() => process.exit(1), 100);
    });
}
