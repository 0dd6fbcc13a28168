// The stop budget's order: the drain ends before the stop deadline (room for acks to arrive), the
// forced exit after it, and pm2's SIGKILL after that; ecosystem.config.js uses the same rule.
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ABORT_GRACE_MS, ACK_LINGER_MS, drainDeadline, exitDeadline, killTimeoutMs, LOG_FLUSH_MS, LOGGER_END_MS, STOP_MAIL_MS } from "../../apps/shared/runtime/stop-budget";

describe("stop budget", () => {
  it.each([1000, 10_000, 300_000])("keeps drain < stop deadline < forced exit < pm2 kill for a %i ms stop timeout", (stop) => {
    const t0 = 1_000_000;
    const drain = drainDeadline(stop, t0);
    expect(drain).toBeLessThanOrEqual(t0 + stop - ACK_LINGER_MS);
    // Aborted work unwinds, pending error mail goes, the last log lines are written: all before the forced exit.
    expect(drain + ABORT_GRACE_MS + STOP_MAIL_MS + LOGGER_END_MS + LOG_FLUSH_MS).toBeLessThanOrEqual(exitDeadline(stop, t0));
    // A forced exit mails what is pending too, before pm2's SIGKILL.
    expect(exitDeadline(stop, t0) + STOP_MAIL_MS).toBeLessThan(t0 + killTimeoutMs(stop));
  });

  it("is what pm2 gets as kill_timeout for every app", () => {
    const require = createRequire(__filename);
    const eco = require(path.resolve(__dirname, "../../ecosystem.config.js")) as { apps: Array<{ kill_timeout: number }> };
    for (const app of eco.apps) expect(app.kill_timeout).toBe(killTimeoutMs(10_000));
  });
});
