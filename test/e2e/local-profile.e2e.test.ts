// The quick start's local profile: config/ecosystem.local.config.js under pm2 (local SQS and S3 as
// pm2 apps, catalog mocked), then the CLI's `send` and `status`, as `npm run send/status` run them.
// Ports and folders are this test's own; everything else comes from config/local.env.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports";
import { ROOT } from "../support/local-servers";
import { Pm2 } from "../support/pm2";
import { waitFor } from "../support/wait";

const exec = promisify(execFile);
const LOCAL_APPS = ["local-sqs", "local-s3", "poller", "status-writer", "catalog-notifier", "janitor"];

describe("local profile (npm start, npm run send)", () => {
  const pm2 = new Pm2();
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "oam-local-"));
    const [sqsPort, s3Port, metricsPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Port}`,
      OAM_STATUS_SQS_QUEUE_URL: `http://127.0.0.1:${sqsPort}/123456789012/oam-status`,
      OAM_LOCAL_S3_DIR: path.join(work, "s3"),
      OAM_RUN_DIR: path.join(work, "run"),
      LOG_DIR: path.join(work, "log"),
      OAM_METRICS_PORT: String(metricsPort),
    };
    await pm2.run(["start", "config/ecosystem.local.config.js"], env);
    await waitFor(
      async () => {
        const procs = await pm2.byName();
        return LOCAL_APPS.every((a) => procs[a]?.pm2_env.status === "online");
      },
      { what: "the six local apps online" },
    );
  });

  afterAll(async () => {
    await pm2.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    exec(process.execPath, ["--env-file=config/local.env", "dist/apps/cli/main.js", ...args], { cwd: ROOT, env: { ...process.env, ...env } });

  it("sends the seed's samples and the status document appears", async () => {
    const sent = await cli("send", "test/fixtures/seed-messages.jsonl");
    expect(sent.stdout).toContain("sent 6 message(s)");
    const doc = await waitFor(
      async () => {
        const { stdout } = await cli("status", "test-job");
        const d = JSON.parse(stdout);
        return d.status === "SUCCESS" ? d : undefined;
      },
      { what: "test-job's final document", timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(doc).toMatchObject({ jobId: "test-job", stage: "COMPLETE", tileJson: { tiles: ["http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png"] } });
    // Mock mode: the catalog payload is logged, not posted.
    await waitFor(() => readFileSync(path.join(env.LOG_DIR, "catalog-notifier.out.log"), "utf8").includes('"event":"catalog.mock"'), {
      what: "the mocked catalog payload in the log",
    });
  });

  it("shows the logs with pm2 logs", async () => {
    const out = await pm2.run(["logs", "poller", "--nostream", "--lines", "20"]);
    expect(out).toContain(`${env.LOG_DIR}/poller.out.log`);
    expect(out).toContain('"app":"poller"');
  });

  it("answers /healthz and /metrics on the janitor's endpoint", async () => {
    const base = `http://127.0.0.1:${env.OAM_METRICS_PORT}`;
    await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, { what: "/healthz healthy" });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const app of LOCAL_APPS) expect(metrics, app).toContain(`oam_status_app_up{app="${app}"} 1`);
  });

  it("says clearly when a job has no document", async () => {
    await expect(cli("status", "no-such-job")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("no status document for job no-such-job") });
  });
});
