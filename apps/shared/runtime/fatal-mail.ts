// Errors that end a process are mailed before it exits: a config error, a crash (uncaught
// exception), an unhandled rejection, a failed start. The error mail's batching window would
// otherwise end with the process and take the errors an operator most needs with it. The wait for
// the relay is bounded (FATAL_MAIL_TIMEOUT_MS), so a dead relay delays an exit, never blocks it.
import { createHash } from "node:crypto";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ErrorMailTransport, type MailSettings } from "./error-mail";
import type { Logger } from "./logger";

/** Longest wait for the relay before a failing process exits anyway. */
export const FATAL_MAIL_TIMEOUT_MS = 5000;
/**
 * pm2 restarts an app whose config is wrong every 15 s at most: the same config error is mailed
 * once in this long per app and host, not at every restart.
 */
export const CONFIG_ERROR_REPEAT_MS = 60 * 60 * 1000;

const MESSAGE = Symbol.for("message");

/** Sends the errors the logger's mail transport holds, waiting at most `timeoutMs`. */
export async function mailPendingErrors(logger: Logger, timeoutMs = FATAL_MAIL_TIMEOUT_MS): Promise<void> {
  const mail = logger.transports.find((t): t is ErrorMailTransport => t instanceof ErrorMailTransport);
  if (mail) await mail.sendPending(timeoutMs);
}

/** Where a mailed config error is remembered (per user, app and error line). */
function repeatMarker(app: string, line: string): string {
  const digest = createHash("sha256").update(`${app}\n${line}`).digest("hex").slice(0, 16);
  return path.join(os.tmpdir(), "oam-status-suite", `config-error-${app}-${digest}`);
}

function mailedRecently(marker: string, now: number): boolean {
  try {
    return now - statSync(marker).mtimeMs < CONFIG_ERROR_REPEAT_MS;
  } catch {
    return false;
  }
}

/**
 * Mails a process's config error (its one JSON line) with the mail settings that were readable,
 * unless the same error went out within CONFIG_ERROR_REPEAT_MS. Never throws.
 */
export async function mailConfigError(app: string, mail: MailSettings, line: string, now = Date.now()): Promise<void> {
  const marker = repeatMarker(app, line);
  if (mailedRecently(marker, now)) return;
  const transport = new ErrorMailTransport(app, { ...mail, batchMs: FATAL_MAIL_TIMEOUT_MS });
  transport.log({ [MESSAGE]: line, message: line }, () => undefined);
  const sent = await transport.sendPending(FATAL_MAIL_TIMEOUT_MS);
  transport.close();
  if (sent && transport.sent > 0) {
    try {
      mkdirSync(path.dirname(marker), { recursive: true });
      writeFileSync(marker, line);
    } catch {
      // Not remembered: the next restart mails it again, which is better than not at all.
    }
  }
}
