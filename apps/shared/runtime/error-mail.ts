// Mails error-level log lines to LOG_RECIPIENT through MAILHOST, batched: the first error opens a
// window (OAM_MAIL_BATCH_SECONDS), everything logged in it goes out in one mail, so a storm of
// errors is a handful of mails. Lines arrive already redacted by the logger's format.
import { hostname } from "node:os";
import type { Transporter } from "nodemailer";
import TransportStream from "winston-transport";

const MESSAGE = Symbol.for("message");
const MAX_LINES = 200;

export interface MailSettings {
  host: string;
  port: number;
  sender: string;
  recipient: string;
  batchMs: number;
}

export class ErrorMailTransport extends TransportStream {
  private lines: string[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();
  private readonly mailer: Transporter;
  sent = 0;

  constructor(
    private readonly app: string,
    private readonly settings: MailSettings,
  ) {
    super({ level: "error" });
    // Plain SMTP relay as the collector stack used; STARTTLS when the relay offers it, with the
    // certificate checked (a relay with a private CA is trusted through NODE_EXTRA_CA_CERTS).
    // Loaded here, not at the top: only apps that mail errors pay for nodemailer's memory.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodemailer: typeof import("nodemailer") = require("nodemailer");
    this.mailer = nodemailer.createTransport({ host: settings.host, port: settings.port, secure: false });
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const line = String(info[MESSAGE] ?? info.message);
    if (this.lines.length < MAX_LINES) this.lines.push(line);
    else this.dropped++;
    this.timer ??= setTimeout(() => void this.flush(), this.settings.batchMs);
    this.timer.unref?.();
    callback();
  }

  /** Sends what is batched now (also called on close). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.lines.length) return this.sending;
    const lines = this.lines;
    const dropped = this.dropped;
    this.lines = [];
    this.dropped = 0;
    const count = lines.length + dropped;
    this.sending = this.sending.then(() =>
      this.mailer
        .sendMail({
          from: this.settings.sender,
          to: this.settings.recipient,
          subject: `[oam-status-suite] ${this.app} on ${hostname()}: ${count} error${count === 1 ? "" : "s"}`,
          text: `${lines.join("\n")}\n${dropped ? `\n(${dropped} more not included)\n` : ""}`,
        })
        .then(() => {
          this.sent++;
        })
        .catch((err: Error) => {
          // Not through the logger: a failing mail must not produce more mail.
          process.stderr.write(`${JSON.stringify({ level: "warn", app: this.app, event: "mail.failed", error: err.message })}\n`);
        }),
    );
    return this.sending;
  }

  /**
   * Sends what is pending now, waiting at most `timeoutMs`: for a process about to exit. Resolves
   * true once the relay took the mail (or there was nothing to send), false on timeout.
   */
  async sendPending(timeoutMs: number): Promise<boolean> {
    // A line logged just before is still in winston's pipe to this transport: let it through.
    await new Promise((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.flush().then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  override close(): void {
    void this.flush().finally(() => this.mailer.close());
  }
}
