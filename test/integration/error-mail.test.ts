// Error mail against a real SMTP server (npm smtp-server) started by the test: error lines only,
// batched into a handful of mails however many errors, and never a secret; and the errors that end
// a process (config error, crash, unhandled rejection, failed start) mailed before it exits, with a
// bounded wait when the relay does not answer.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT_CONFIG } from "../../apps/shared/runtime/run-app";
import { createLogger, registerSecret } from "../../apps/shared/runtime/logger";
import { ROOT } from "../support/local-servers";
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

  describe("errors that end a process", () => {
    let tmp: string;
    beforeEach(() => {
      mails.length = 0;
      tmp = mkdtempSync(path.join(os.tmpdir(), "oam-fatal-mail-"));
      return () => rmSync(tmp, { recursive: true, force: true });
    });

    const env = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      OAM_STATUS_BUCKET: "oam-status",
      OAM_STATUS_PREFIX: "statuses",
      LOG_DIR: path.join(tmp, "log"),
      // Where a mailed config error is remembered (os.tmpdir()).
      TMPDIR: tmp,
      MAILHOST: `127.0.0.1:${port}`,
      LOG_SENDER: "oam@example.org",
      LOG_RECIPIENT: "ops@example.org",
      // Far longer than the process lives: only the mail on the way out can deliver these errors.
      OAM_MAIL_BATCH_SECONDS: "3600",
      ...over,
    });

    /** Runs a script to its exit (killed after 30 s); the mails received by then, and how long it took. */
    const run = (script: string, e: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; stderr: string; ms: number; mailsAtExit: Mail[] }>((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [path.join(ROOT, script)], { env: e, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c) => (stderr += c));
        const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("exit", (code) => {
          clearTimeout(killer);
          resolve({ code, stderr, ms: Date.now() - started, mailsAtExit: [...mails] });
        });
      });
    const failingApp = "dist/test/support/failing-app.js";

    it("mails a config error before exiting 78, once per error and host while pm2 restarts the app", async () => {
      const e = env({ OAM_STATUS_BUCKET: "Not_A_Bucket" });
      const first = await run("dist/apps/janitor/main.js", e);
      expect(first.code).toBe(EXIT_CONFIG);
      expect(first.stderr).toContain("OAM_STATUS_BUCKET must be a valid S3 bucket name");
      expect(first.mailsAtExit).toHaveLength(1);
      expect(first.mailsAtExit[0].to).toEqual(["ops@example.org"]);
      expect(first.mailsAtExit[0].data).toMatch(/Subject: \[oam-status-suite\] janitor on .*: 1 error\b/);
      expect(first.mailsAtExit[0].data).toContain("config.invalid");
      expect(first.mailsAtExit[0].data).toContain("OAM_STATUS_BUCKET must be a valid S3 bucket name");
      // A restart with the same error: not mailed again.
      const again = await run("dist/apps/janitor/main.js", e);
      expect(again.code).toBe(EXIT_CONFIG);
      expect(again.mailsAtExit).toHaveLength(1);
      // Another error is news.
      const other = await run("dist/apps/janitor/main.js", env({ DAYS_RETENTION: "-1" }));
      expect(other.code).toBe(EXIT_CONFIG);
      expect(other.mailsAtExit).toHaveLength(2);
      expect(other.mailsAtExit[1].data).toContain("DAYS_RETENTION must be a positive number of days");
    });

    it.each([
      ["crash", "uncaught exception", "test crash"],
      ["rejection", "unhandled rejection", "test rejection"],
      ["start", "failed to start", "cannot start: test failure"],
    ])("mails a %s before exiting 1", async (how, message, error) => {
      const res = await run(failingApp, env({ OAM_TEST_FAILURE: how }));
      expect(res.code).toBe(1);
      expect(res.mailsAtExit).toHaveLength(1);
      const data = res.mailsAtExit[0].data.replace(/=\r?\n/g, ""); // quoted-printable soft breaks
      expect(data).toContain(message);
      expect(data).toContain(error);
    });

    it("waits a bounded time for a relay that never answers, then exits", async () => {
      const silent = net.createServer(() => undefined); // accepts, never greets
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      try {
        const res = await run(failingApp, env({ OAM_TEST_FAILURE: "crash", MAILHOST: `127.0.0.1:${(silent.address() as AddressInfo).port}` }));
        expect(res.code).toBe(1);
        expect(res.stderr).toContain("test crash");
        expect(res.ms).toBeLessThan(15_000);
      } finally {
        silent.close();
      }
    });
  });
});
