// A bad configuration stops an app with one line naming the variable, and pm2 backs off.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CONFIG } from "../../apps/shared/runtime/run-app";
import { ROOT } from "../support/local-servers";
import { Pm2 } from "../support/pm2";
import { waitFor } from "../support/wait";

const base = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  OAM_STATUS_SQS_QUEUE_URL: "http://127.0.0.1:1/123456789012/q",
  OAM_STATUS_BUCKET: "oam-status",
  OAM_STATUS_PREFIX: "statuses",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

function start(app: string, env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return spawnSync(process.execPath, [path.join(ROOT, "dist/apps", app, "main.js")], { env: clean, encoding: "utf8", timeout: 15_000 });
}

describe("configuration errors", () => {
  const cases: Array<[string, string, Record<string, string | undefined>, RegExp]> = [
    ["poller", "OAM_STATUS_SQS_QUEUE_URL", { OAM_STATUS_SQS_QUEUE_URL: undefined }, /OAM_STATUS_SQS_QUEUE_URL is required/],
    ["poller", "OAM_SQS_WAIT_SECONDS", { OAM_SQS_WAIT_SECONDS: "25" }, /OAM_SQS_WAIT_SECONDS must be a whole number from 0 to 20/],
    ["status-writer", "AWS_REGION", { AWS_REGION: undefined }, /AWS_REGION is required/],
    ["status-writer", "OAM_STATUS_PREFIX", { OAM_STATUS_PREFIX: "/" }, /OAM_STATUS_PREFIX must not be empty/],
    ["catalog-notifier", "OAM_API_TOKEN", {}, /OAM_API_TOKEN is required unless MOCK_OAM_API=true/],
    ["janitor", "OAM_JANITOR_SCHEDULE", { OAM_JANITOR_SCHEDULE: "every day" }, /OAM_JANITOR_SCHEDULE must be a cron expression/],
    ["janitor", "DAYS_RETENTION", { DAYS_RETENTION: "a month" }, /DAYS_RETENTION must be a positive number/],
  ];
  it.each(cases)("%s stops on a bad %s with one line naming it", (app, _name, env, pattern) => {
    const res = start(app, env);
    expect(res.status).toBe(EXIT_CONFIG);
    const lines = res.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(res.stdout).toBe("");
  });

  it("never prints a secret value in a config error", () => {
    const res = start("catalog-notifier", { OAM_API_TOKEN: "s3cr3t-value-xyz", OAM_CATALOG_URL: "ftp://s3cr3t-value-xyz" });
    expect(res.status).toBe(EXIT_CONFIG);
    expect(res.stderr).toMatch(/OAM_CATALOG_URL must be an http/);
    expect(res.stderr).not.toContain("s3cr3t-value-xyz");
  });

  describe("under pm2", () => {
    const pm2 = new Pm2();
    const logDir = mkdtempSync(path.join(os.tmpdir(), "oam-cfg-log-"));
    afterAll(async () => {
      await pm2.kill();
      rmSync(logDir, { recursive: true, force: true });
    });

    it("restarts a misconfigured app with a growing delay, not in a tight loop", async () => {
      await pm2.run(["start", "ecosystem.config.js", "--only", "poller", "--env", "production"], {
        ...base,
        OAM_STATUS_SQS_QUEUE_URL: "",
        LOG_DIR: logDir,
      });
      const proc = await waitFor(
        async () => {
          const p = (await pm2.byName()).poller;
          return p && p.pm2_env.restart_time >= 3 ? p : undefined;
        },
        { what: "three restarts", timeoutMs: 20_000, intervalMs: 200 },
      );
      const env = proc.pm2_env as unknown as { prev_restart_delay: number; exp_backoff_restart_delay: number };
      expect(env.exp_backoff_restart_delay).toBe(200);
      expect(env.prev_restart_delay).toBeGreaterThan(200);
    });
  });
});
