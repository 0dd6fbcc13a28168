// One copy of the suite under its own pm2 (isolated PM2_HOME), production profile, with its own
// log and run folders, pointed at the given servers.
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suiteEnv, type LocalS3, type LocalSqs } from "./local-servers";
import { Pm2 } from "./pm2";
import { freePort } from "./ports";
import { waitFor } from "./wait";

import { SUITE_APPS } from "../../apps/shared/runtime/names";

export const APPS: string[] = [...SUITE_APPS];

export interface Suite {
  pm2: Pm2;
  env: Record<string, string>;
  logDir: string;
  /** The janitor's monitoring endpoint (/metrics, /healthz, /readyz), on a port of its own. */
  metricsUrl: string;
  allOnline(): Promise<boolean>;
  /** Starts apps left out at first (`only`), and waits until they are online. */
  startApps(names: string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `only` starts some of the apps (the benchmark starts the poller last, once the others are up);
 * `ecosystem` is the pm2 file they are started from (the CPU profile's adds node flags to each app).
 */
export async function startSuite(sqs: LocalSqs, s3: LocalS3, extra: Record<string, string>, only: string[] = APPS, ecosystem = "ecosystem.config.js"): Promise<Suite> {
  const work = mkdtempSync(path.join(os.tmpdir(), "oam-suite-"));
  const pm2 = new Pm2();
  const logDir = path.join(work, "log");
  const env = suiteEnv(sqs, s3, { LOG_DIR: logDir, OAM_RUN_DIR: path.join(work, "run"), OAM_METRICS_PORT: String(await freePort()), ...extra });
  const online = async (names: string[]) => {
    const procs = await pm2.byName();
    return names.every((a) => procs[a]?.pm2_env.status === "online");
  };
  const startApps = async (names: string[]) => {
    await pm2.run(["start", ecosystem, "--env", "production", ...(names.length < APPS.length ? ["--only", names.join(",")] : [])], env);
    await waitFor(() => online(names), { what: `${names.join(", ")} online` });
  };
  await startApps(only);
  const allOnline = () => online(APPS);
  return {
    pm2,
    env,
    logDir,
    metricsUrl: `http://127.0.0.1:${env.OAM_METRICS_PORT}`,
    allOnline,
    startApps,
    async stop() {
      await pm2.kill();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function sendAll(sqs: LocalSqs, lines: string[], queueUrl = sqs.queueUrl): Promise<void> {
  for (let i = 0; i < lines.length; i += 10) {
    const batch = lines.slice(i, i + 10);
    await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((b, j) => ({ Id: String(j), MessageBody: b })) }));
  }
}

export async function readJson(s3: S3Client, bucket: string, key: string): Promise<Record<string, any> | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await res.Body!.transformToString());
  } catch {
    return undefined;
  }
}
