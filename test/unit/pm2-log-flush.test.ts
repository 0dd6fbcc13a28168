import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { logOffset, pm2OutLog, waitForLogLine } from "../../apps/shared/runtime/pm2-log-flush";

const MARKER = '"event":"app.stopped"';

describe("waiting for pm2 to write the last log line", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "pm2-log-"));
    file = path.join(dir, "poller.out.log");
    writeFileSync(file, `{"event":"app.started"}\n{${MARKER}}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the log file pm2 names in the environment, but not /dev/null", () => {
    expect(pm2OutLog({ pm_out_log_path: file })).toBe(file);
    expect(pm2OutLog({ pm_out_log_path: "/dev/null" })).toBeUndefined();
    expect(pm2OutLog({})).toBeUndefined();
  });

  it("resolves once the line is written after the offset", async () => {
    const waiting = waitForLogLine(file, logOffset(file), MARKER, 5000);
    appendFileSync(file, `{"level":"info",${MARKER}}\n`);
    await expect(waiting).resolves.toBe(true);
  });

  it("ignores an earlier copy of the line and gives up after its timeout", async () => {
    await expect(waitForLogLine(file, logOffset(file), MARKER, 50)).resolves.toBe(false);
  });

  it("finds the line in a file rotated (truncated) meanwhile", async () => {
    const offset = logOffset(file);
    truncateSync(file, 0);
    appendFileSync(file, `{${MARKER}}\n`);
    await expect(waitForLogLine(file, offset, MARKER, 1000)).resolves.toBe(true);
  });

  it("does not wait outside pm2 or for a file that is not there", async () => {
    await expect(waitForLogLine(undefined, 0, MARKER, 5000)).resolves.toBe(true);
    expect(logOffset(path.join(dir, "missing.log"))).toBe(0);
  });
});
