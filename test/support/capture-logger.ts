// The suite's logger (same format, same redaction) writing its JSON lines into an array instead of
// the console, for tests that check what was logged.
import { Writable } from "node:stream";
import winston from "winston";
import { createLogger, type Logger } from "../../apps/shared/runtime/logger";

export function capturingLogger(app: string, opts: { debug?: boolean } = {}): { logger: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger(app, opts);
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, cb) {
          lines.push(JSON.parse(chunk.toString()));
          cb();
        },
      }),
    }),
  );
  return { logger, lines };
}
