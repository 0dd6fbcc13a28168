// Every message gets a bound: work that keeps failing for that message alone (a catalog that answers
// 500 to one payload, a key the credentials may not write) ends in quarantine with its reason, is
// reported at error level and acked, while the messages around it flow; an outage of S3 or the
// catalog as a whole quarantines nothing.
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Envelope } from "../../apps/shared/bus/bus";
import { Quarantine } from "../../apps/shared/aws/quarantine";
import { CatalogClient } from "../../apps/catalog-notifier/catalog-client";
import { CatalogNotifier } from "../../apps/catalog-notifier/catalog-notifier";
import { CatalogRecords } from "../../apps/catalog-notifier/catalog-records";
import { DocumentStore } from "../../apps/status-writer/document-store";
import { StatusWriter } from "../../apps/status-writer/status-writer";
import { EVENT } from "../../apps/shared/runtime/names";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { capturingLogger } from "../support/capture-logger";
import { NOTIFIER_OPTIONS } from "../support/consumers";
import { startDenyProxy, type DenyProxy } from "../support/deny-proxy";
import { CREDENTIALS, REGION, startLocalS3, type LocalS3 } from "../support/local-servers";
import { readJson } from "../support/suite";
import { waitFor } from "../support/wait";
import { finishedBody, tilesUriOf } from "../support/workload";

// Tight bounds, so the test runs in seconds: 3 own failures, and at least 1 s old.
const BOUND = { maxAttempts: 3, maxAgeMs: 1000 };
let n = 0;
function finished(jobId: string, sentTimestamp = Date.now()): Envelope {
  const now = Date.now();
  return {
    messageId: `mb-${++n}`,
    sentTimestamp,
    receiveCount: 1,
    receivedAt: now,
    publishedAt: now,
    body: finishedBody(jobId),
  };
}

async function quarantined(s3: LocalS3, app: string): Promise<Array<Record<string, any>>> {
  const list = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "statuses/quarantine/" }));
  const out = [];
  for (const o of list.Contents ?? []) {
    const rec = (await readJson(s3.client, s3.bucket, o.Key!))!;
    if (rec.app === app) out.push({ key: o.Key, ...rec });
  }
  return out;
}

describe("a bound per message", () => {
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let proxy: DenyProxy;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    [s3, catalog] = await Promise.all([startLocalS3("message-bound"), startCatalogStandIn()]);
    proxy = await startDenyProxy(s3.endpoint);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), catalog?.close(), proxy?.close()]);
  });
  // A test that fails half-way must not leave its catalog answers to the next.
  afterEach(() => catalog.reset());

  function notifier() {
    const { logger, lines } = capturingLogger("catalog-notifier");
    const n = new CatalogNotifier(new CatalogClient(catalog.url, "tok-bound", 2000), new CatalogRecords(s3.client, s3.bucket, "statuses", { mode: "conditional" }), logger, {
      ...NOTIFIER_OPTIONS,
      quarantine: new Quarantine(s3.client, s3.bucket, "statuses"),
      bound: BOUND,
    });
    return { n, lines };
  }

  it("a job whose catalog post always answers 500 ends in quarantine with its reason while the jobs around it are posted", async () => {
    catalog.respond = (req) => ((req.json as { uri: string }).uri === tilesUriOf("poison-job") ? 500 : 200);
    const { n: notif, lines } = notifier();
    // The others keep arriving while the poison job retries, as they would from the queue.
    const poison = notif.handle(finished("poison-job"), signal);
    let i = 0;
    while (notif.stats.quarantined === 0 && i < 200) await notif.handle(finished(`flowing-${++i}`), signal);
    await poison;
    expect(notif.stats).toMatchObject({ quarantined: 1, posted: i });
    const [record] = await quarantined(s3, "catalog-notifier");
    expect(record).toMatchObject({ app: "catalog-notifier", messageId: expect.stringMatching(/^mb-/) });
    expect(record.reason).toContain("poison-job");
    expect(record.reason).toContain("catalog answered HTTP 500");
    expect(JSON.parse(record.body)).toMatchObject({ jobId: "poison-job", status: "FINISHED" });
    expect(lines.find((l) => l.event === EVENT.messageQuarantined)).toMatchObject({ level: "error", jobId: "poison-job", quarantineKey: record.key });
  });

  it("quarantines nothing while the catalog is down as a whole, however often a job fails", async () => {
    catalog.respond = () => 503;
    const { n: notif } = notifier();
    const jobs = ["down-1", "down-2", "down-3"].map((j) => notif.handle(finished(j, Date.now() - 60_000), signal));
    await waitFor(() => notif.stats.retries >= 15, { what: "many failed posts" });
    catalog.respond = undefined;
    await Promise.all(jobs);
    expect(notif.stats).toMatchObject({ quarantined: 0, posted: 3 });
  });

  it("a document the credentials may not write ends in quarantine while other jobs' documents are written", async () => {
    const denied = new S3Client({ region: REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS, forcePathStyle: true });
    proxy.denied.add(`/${s3.bucket}/statuses/forbidden-status.json`);
    const { logger, lines } = capturingLogger("status-writer");
    const writer = new StatusWriter(new DocumentStore(denied, s3.bucket, { mode: "conditional" }), "statuses", logger, {
      maxBackoffMs: 50,
      quarantine: new Quarantine(s3.client, s3.bucket, "statuses"),
      bound: BOUND,
    });
    const forbidden = writer.handle(finished("forbidden", Date.now() - 60_000), signal);
    let i = 0;
    while (writer.stats.quarantined === 0 && i < 200) await writer.handle(finished(`allowed-${++i}`), signal);
    await forbidden;
    expect(proxy.refusals).toBeGreaterThanOrEqual(BOUND.maxAttempts);
    expect(await readJson(s3.client, s3.bucket, `statuses/allowed-${i}-status.json`)).toMatchObject({ status: "SUCCESS" });
    const [record] = await quarantined(s3, "status-writer");
    expect(record.reason).toContain("statuses/forbidden-status.json");
    expect(record.reason).toContain("Access Denied");
    expect(lines.find((l) => l.event === EVENT.messageQuarantined)).toMatchObject({ level: "error", jobId: "forbidden" });
    denied.destroy();
  });

  it("quarantines nothing while S3 is down as a whole", async () => {
    const { logger } = capturingLogger("status-writer");
    const writer = new StatusWriter(new DocumentStore(s3.client, s3.bucket, { mode: "conditional" }), "statuses", logger, {
      maxBackoffMs: 50,
      quarantine: new Quarantine(s3.client, s3.bucket, "statuses"),
      bound: BOUND,
    });
    await writer.handle(finished("before-outage"), signal);
    await s3.kill();
    const jobs = ["s3down-1", "s3down-2"].map((j) => writer.handle(finished(j, Date.now() - 60_000), signal));
    await waitFor(() => writer.stats.retries >= 10, { what: "many failed writes" });
    await s3.revive();
    await Promise.all(jobs);
    expect(writer.stats).toMatchObject({ quarantined: 0, written: 3 });
  });
});
