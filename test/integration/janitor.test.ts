// The janitor against the local S3 server: objects aged past the retention across several listing
// pages, neighbours that must survive, and the janitor app itself on a seconds-field schedule.
import { spawn } from "node:child_process";
import { utimesSync } from "node:fs";
import path from "node:path";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pruneStatuses } from "../../apps/janitor/prune";
import { createLogger } from "../../apps/shared/runtime/logger";
import { ROOT, startLocalS3, suiteEnv, type LocalS3 } from "../support/local-servers";
import { waitFor } from "../support/wait";

const DAY_S = 86_400;
const logger = createLogger("janitor-test", { silent: true });

async function put(s3: LocalS3, key: string, ageDays = 0): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "{}" }));
  if (ageDays > 0) {
    // s3rver reports the object file's mtime as LastModified: age the file itself.
    const parts = key.split("/");
    const file = path.join(s3.directory, s3.bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
    const t = Date.now() / 1000 - ageDays * DAY_S;
    utimesSync(file, t, t);
  }
}

async function keys(s3: LocalS3): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

describe("janitor", () => {
  let s3: LocalS3;

  beforeAll(async () => {
    s3 = await startLocalS3("janitor-bucket");
  });
  afterAll(async () => {
    await s3?.stop();
  });

  // The neighbours: old, but not status documents under the prefix.
  const survivors = [
    "statusesX/old-status.json",
    "statuses/quarantine/2020-01-01/m1.json",
    "statuses/catalog/job-1.json",
    "statuses/readme.txt",
    "other/x-status.json",
  ];

  beforeEach(async () => {
    const all = await keys(s3);
    for (let i = 0; i < all.length; i += 1000) {
      await s3.client.send(new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
  });

  it("deletes only status documents older than the retention, across listing pages", async () => {
    const old = Array.from({ length: 35 }, (_, i) => `statuses/old-${i}-status.json`);
    const fresh = Array.from({ length: 5 }, (_, i) => `statuses/fresh-${i}-status.json`);
    for (const k of old) await put(s3, k, 31);
    for (const k of fresh) await put(s3, k, 29);
    for (const k of survivors) await put(s3, k, 400);

    const result = await pruneStatuses({ s3: s3.client, bucket: s3.bucket, prefix: "statuses", retentionDays: 30, pageSize: 10, logger });

    expect(result.pages).toBeGreaterThanOrEqual(5);
    expect(result.expired).toBe(35);
    expect(result.deleted).toBe(35);
    expect(result.failed).toBe(0);
    expect(result.deleteCalls).toBe(1);
    const left = await keys(s3);
    for (const k of old) expect(left).not.toContain(k);
    for (const k of [...fresh, ...survivors]) expect(left).toContain(k);
  });

  it("batches DeleteObjects at 1,000 keys", async () => {
    const old = Array.from({ length: 1005 }, (_, i) => `statuses/many-${i}-status.json`);
    await Promise.all(old.map((k) => put(s3, k, 40)));
    const result = await pruneStatuses({ s3: s3.client, bucket: s3.bucket, prefix: "statuses", retentionDays: 30, pageSize: 1000, logger });
    expect(result.deleted).toBe(1005);
    expect(result.deleteCalls).toBe(2);
    expect((await keys(s3)).filter((k) => k.startsWith("statuses/many-"))).toEqual([]);
  });

  it("refuses an empty prefix", async () => {
    await expect(pruneStatuses({ s3: s3.client, bucket: s3.bucket, prefix: "", retentionDays: 30, pageSize: 1000, logger })).rejects.toThrow(/empty prefix/);
  });

  it("runs from the janitor app on a node-cron schedule with a seconds field", async () => {
    await put(s3, "statuses/cron-old-status.json", 10);
    await put(s3, "statuses/cron-new-status.json", 0);
    const env = suiteEnv({ endpoint: "http://127.0.0.1:1", queueUrl: "http://127.0.0.1:1/q" } as never, s3, {
      OAM_JANITOR_SCHEDULE: "*/1 * * * * *",
      DAYS_RETENTION: "7",
    });
    const child = spawn(process.execPath, [path.join(ROOT, "dist/apps/janitor/main.js")], { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      const line = await waitFor(() => out.split("\n").find((l) => l.includes('"event":"janitor.finished"')), {
        what: "a scheduled janitor run",
        timeoutMs: 15_000,
      });
      expect(JSON.parse(line)).toMatchObject({ deleted: 1, expired: 1 });
      const left = await keys(s3);
      expect(left).not.toContain("statuses/cron-old-status.json");
      expect(left).toContain("statuses/cron-new-status.json");
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    expect(child.exitCode).toBe(0);
  });
});
