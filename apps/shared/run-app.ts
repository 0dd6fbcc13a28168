// The common start-up of every app: load and validate the config (one line and exit 78 when it is
// wrong, so pm2 backs off), build the logger, start the app, and stop it cleanly on SIGINT/SIGTERM
// within OAM_STOP_TIMEOUT_SECONDS (pm2's kill_timeout is longer).
import { loadConfig, type AppName, type Config } from "./config";
import { ConfigError, errorMessage } from "./errors";
import { startLogRotation } from "./log-rotation";
import { createLogger, registerSecret, type Logger } from "./logger";
import { logOffset, pm2OutLog, waitForLogLine } from "./pm2-log-flush";
import { SUITE_VERSION } from "./version";

export const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h
/** Longest wait for pm2 to write the "stopped" line before exiting (see pm2-log-flush). */
const LOG_FLUSH_TIMEOUT_MS = 2000;
/** Longest wait for the logger's transports to finish. */
const LOGGER_END_TIMEOUT_MS = 500;

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
      .then(async () => {
        const outLog = pm2OutLog();
        const offset = logOffset(outLog);
        logger.info("stopped", { event: "app.stopped" });
        // Transports finish at once, unless error mail is still sending: do not wait long for it.
        await new Promise((resolve) => {
          logger.on("finish", resolve);
          logger.end();
          setTimeout(resolve, LOGGER_END_TIMEOUT_MS).unref();
        });
        await waitForLogLine(outLog, offset, '"event":"app.stopped"', LOG_FLUSH_TIMEOUT_MS);
        process.exit(0);
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
      logger.info("started", { event: "app.started", version: SUITE_VERSION });
      // pm2 (wait_ready in ecosystem.config.js) counts the app as up, and answers `pm2 start` or
      // `pm2 restart`, only now: a restart issued while an app is still loading would otherwise
      // meet Node's default SIGINT handling, and the app would die without a graceful stop.
      process.send?.("ready");
    })
    .catch((err) => {
      logger.error("failed to start", { event: "app.start_failed", error: errorMessage(err) });
      setTimeout(() => process.exit(1), 100);
    });
}
