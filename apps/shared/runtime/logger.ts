// One structured logger for the suite: JSON lines on stdout (errors on stderr), which pm2 writes to
// each app's own files under LOG_DIR. Secrets registered here never reach a line, at any level.
import winston from "winston";
import { ErrorMailTransport, type MailSettings } from "./error-mail";

const MESSAGE = Symbol.for("message");
const secrets = new Set<string>();

/** Every later log line has this value replaced by [REDACTED]. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(line: string): string {
  // Stops at a backslash too: inside a JSON line the value's closing quote is escaped (\").
  let out = line.replace(/(Bearer\s+)[^\s"'\\,]+/gi, "$1[REDACTED]");
  // Longest first, so a secret that contains a shorter one is removed whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  for (const s of ordered) out = out.split(s).join("[REDACTED]");
  // A secret could also appear JSON-escaped inside the line.
  for (const s of ordered) {
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join("[REDACTED]");
  }
  return out;
}

const redactFormat = winston.format((info) => {
  const line = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === "string") (info as Record<symbol, unknown>)[MESSAGE] = redact(line);
  return info;
});

export type Logger = winston.Logger;

export function createLogger(app: string, opts: { debug?: boolean; silent?: boolean; mail?: MailSettings } = {}): Logger {
  const transports: winston.transport[] = [new winston.transports.Console({ stderrLevels: ["error"] })];
  if (opts.mail) transports.push(new ErrorMailTransport(app, opts.mail));
  return winston.createLogger({
    level: opts.debug ? "debug" : "info",
    silent: opts.silent,
    defaultMeta: { app, pid: process.pid },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: false }),
      winston.format.json(),
      redactFormat(),
    ),
    transports,
  });
}
