// Error mail against a real SMTP server (npm smtp-server) started by the test: error lines only,
// batched into a handful of mails however many errors, and never a secret.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, registerSecret } from "../../apps/shared/logger";
import { waitFor } from "../support/wait";

interface Mail {
  from: string;
  to: string[];
  data: string;
}

describe("error mail", () => {
  const mails: Mail[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (c) => (data += c));
        stream.on("end", () => {
          mails.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("mails a storm of 500 errors as one batch, without info lines or the token", async () => {
    const secret = "mail-secret-token-5521";
    registerSecret(secret);
    const logger = createLogger("status-writer", {
      mail: { host: "127.0.0.1", port, sender: "oam@example.org", recipient: "ops@example.org", batchMs: 300 },
    });
    logger.transports[0].silent = true; // keep the console quiet
    for (let i = 0; i < 500; i++) logger.error("write failed", { event: "status.write_failed", attempt: i, error: `denied for ${secret}` });
    logger.info("all good", { event: "noise" });
    logger.warn("a warning", { event: "noise" });
    await waitFor(() => mails.length >= 1, { what: "the batched mail", timeoutMs: 10_000 });
    logger.error("later error", { event: "after.window" });
    await waitFor(() => mails.length >= 2, { what: "a second mail for a later error", timeoutMs: 10_000 });
    expect(mails).toHaveLength(2);
    const [first, second] = mails;
    expect(first.from).toBe("oam@example.org");
    expect(first.to).toEqual(["ops@example.org"]);
    expect(first.data).toMatch(/Subject: \[oam-status-suite\] status-writer on .*: 500 errors/);
    expect(first.data).toContain("status.write_failed");
    expect(first.data).toContain("(300 more not included)");
    expect(first.data).not.toContain("noise");
    expect(first.data).not.toContain(secret);
    expect(first.data).toContain("[REDACTED]");
    expect(second.data).toContain("after.window");
    expect(second.data).toMatch(/: 1 error\b/);
    logger.close();
  });
});
