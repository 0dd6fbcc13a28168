// The common start-up of every app: load and validate the config (one line and exit 78 when it is
// wrong, so pm2 backs off), build the logger, start the app, and stop it cleanly on SIGINT/SIGTERM
// within OAM_STOP_TIMEOUT_SECONDS (pm2's kill_timeout is longer).
import { loadConfig, loadMailConfig, type AppName, type ConfigOf } from "./config";
import { ConfigError, errorMessage } from "../util/errors";
import { FATAL_MAIL_TIMEOUT_MS, mailConfigError, mailPendingErrors } from "./fatal-mail";
import { startLogRotation } from "./log-rotation";
import { createLogger, type Logger } from "./logger";
import { logOffset, pm2OutLog, waitForLogLine } from "./pm2-log-flush";
import { EVENT, type SuiteApp } from "./names";
import { SUITE_VERSION } from "./version";

import { drainDeadline, exitDeadline, LOG_FLUSH_MS, LOGGER_END_MS, STOP_MAIL_MS } from "./stop-budget";

export const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h
/** Time for a last line to pass winston's pipe to stderr before a failing process exits. */
const LAST_LINE_MS = 100;

export interface Running {
  /** Ends intake and lets in-flight work finish until `drainUntil` (ms since epoch); see stop-budget.ts. */
  stop(drainUntil: number): Promise<void>;
  /** Facts for the app.started line (what the app learned while starting). */
  describe?(): Record<string, unknown>;
}

export function runApp<A extends SuiteApp>(app: A, start: (config: ConfigOf[A], logger: Logger) => Promise<Running>): void {
  let config: ConfigOf[A];
  try {
    config = loadConfig(app);
  } catch (err) {
    const line = err instanceof ConfigError ? `config error: ${err.message}` : `config error: ${errorMessage(err)}`;
    const json = JSON.stringify({ level: "error", app, event: "config.invalid", message: line });
    console.error(json);
    void exitOnConfigError(app, json);
    return;
  }
  const logger = createLogger(app, { debug: config.log.debug, mail: config.mail });
  startLogRotation({ dir: config.log.dir, app, maxBytes: config.log.maxBytes, keep: config.log.keep, intervalMs: config.log.checkMs }, (err) =>
    logger.warn("log rotation failed", { event: "log.rotation_failed", error: errorMessage(err) }),
  );

  let stopping: Promise<void> | undefined;
  let running: Running | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    logger.info("stopping", { event: "app.stopping", signal });
    const start = Date.now();
    const deadline = setTimeout(() => {
      logger.error("stop deadline passed, exiting with work handed back", { event: "app.stop_timeout" });
      void exitAfterMail(logger, 1, STOP_MAIL_MS);
    }, exitDeadline(config.stopTimeoutMs, start) - start);
    deadline.unref();
    stopping = (running ? running.stop(drainDeadline(config.stopTimeoutMs, start)) : Promise.resolve())
      .then(async () => {
        const outLog = pm2OutLog();
        const offset = logOffset(outLog);
        logger.info("stopped", { event: EVENT.appStopped });
        // Errors still waiting for their batch window go out now, or never.
        await mailPendingErrors(logger, STOP_MAIL_MS);
        // Transports finish at once, unless error mail is still sending: do not wait long for it.
        await new Promise((resolve) => {
          logger.on("finish", resolve);
          logger.end();
          setTimeout(resolve, LOGGER_END_MS).unref();
        });
        await waitForLogLine(outLog, offset, `"event":"${EVENT.appStopped}"`, LOG_FLUSH_MS);
        process.exit(0);
      })
      .catch((err) => {
        logger.error("stop failed", { event: "app.stop_failed", error: errorMessage(err) });
        void exitAfterMail(logger, 1, STOP_MAIL_MS);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  // An error that ends the process is logged (with its stack), mailed with what is pending, and
  // then the process exits; pm2 restarts it.
  let failing = false;
  const fail = (message: string, event: string, err: unknown) => {
    if (failing) return;
    failing = true;
    logger.error(message, { event, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
    void exitAfterMail(logger, 1, FATAL_MAIL_TIMEOUT_MS);
  };
  process.on("uncaughtException", (err) => fail("uncaught exception", "app.crash", err));
  process.on("unhandledRejection", (err) => fail("unhandled rejection", "app.crash", err));

  start(config, logger)
    .then((r) => {
      running = r;
      logger.info("started", { event: EVENT.appStarted, version: SUITE_VERSION, ...r.describe?.() });
      // pm2 (wait_ready in ecosystem.config.js) counts the app as up, and answers `pm2 start` or
      // `pm2 restart`, only now: a restart issued while an app is still loading would otherwise
      // meet Node's default SIGINT handling, and the app would die without a graceful stop.
      process.send?.("ready");
    })
    .catch((err) => fail("failed to start", "app.start_failed", err));
}

/** Exits once the last line is written and pending error mail sent (or `mailTimeoutMs` passed). */
async function exitAfterMail(logger: Logger, code: number, mailTimeoutMs: number): Promise<never> {
  await Promise.all([mailPendingErrors(logger, mailTimeoutMs), new Promise((resolve) => setTimeout(resolve, LAST_LINE_MS))]);
  process.exit(code);
}

/** Mails the config error when the mail variables themselves are right, then exits 78. */
async function exitOnConfigError(app: AppName, line: string): Promise<never> {
  try {
    const mail = loadMailConfig();
    if (mail) await mailConfigError(app, mail, line);
  } catch {
    // The mail settings are what is wrong (or unreadable): the line on stderr is all there is.
  }
  process.exit(EXIT_CONFIG);
}
