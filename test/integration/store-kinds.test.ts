// What the suite learns of its store, and that it stays correct on both kinds: local-s3 (honours
// If-None-Match/If-Match as S3 does) and plain s3rver (a store the project did not write, which
// ignores both). The probe decides the write path; on plain s3rver the fast path would regress a
// document, the read-first path does not.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Envelope } from "../../apps/shared/bus/bus";
import { createLogger } from "../../apps/shared/runtime/logger";
import { StoreCapability, probeConditionalWrites, type StoreMode } from "../../apps/shared/aws/store-probe";
import { CatalogClient } from "../../apps/catalog-notifier/catalog-client";
import { CatalogNotifier } from "../../apps/catalog-notifier/catalog-notifier";
import { CatalogRecords } from "../../apps/catalog-notifier/catalog-records";
import { DocumentStore } from "../../apps/status-writer/document-store";
import { StatusWriter } from "../../apps/status-writer/status-writer";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { capturingLogger } from "../support/capture-logger";
import { NOTIFIER_OPTIONS, probedStore } from "../support/consumers";
import { HONOURS, startLocalS3, STORE_KINDS, type LocalS3 } from "../support/local-servers";
import { countRequests } from "../support/request-counter";
import { readJson } from "../support/suite";
import { finishedBody, JOB_STEPS, tilesUriOf } from "../support/workload";

const logger = createLogger("store-kinds-test", { silent: true });

function envelope(jobId: string, step: number): Envelope {
  const now = Date.now();
  return { messageId: `${jobId}-${step}-${now}`, sentTimestamp: 1_700_000_000_000 + step, receiveCount: 1, receivedAt: now, publishedAt: now, body: { jobId, ...JOB_STEPS[step] } };
}

describe.each(STORE_KINDS)("on %s", (kind) => {
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    [s3, catalog] = await Promise.all([startLocalS3("store-kinds", undefined, kind), startCatalogStandIn()]);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), catalog?.close()]);
  });

  it(`the probe finds that the store ${HONOURS[kind] ? "honours" : "ignores"} conditional writes, and leaves nothing behind`, async () => {
    const support = await probeConditionalWrites(s3.client, s3.bucket, "statuses/probe/test.json");
    expect(support).toEqual({ ifNoneMatch: HONOURS[kind], ifMatch: HONOURS[kind] });
    const { lines, logger: captured } = capturingLogger("status-writer");
    const capability = new StoreCapability(s3.client, s3.bucket, "statuses", "status-writer", captured);
    expect(capability.mode).toBe("unknown");
    await capability.start(5000, 1000);
    expect(capability.mode).toBe(HONOURS[kind] ? "conditional" : "read-first");
    expect(capability.metric).toBe(HONOURS[kind] ? 1 : 0);
    expect(capability.describe()).toEqual({ store: { conditionalWrites: HONOURS[kind] ? "honoured" : "ignored", ifNoneMatch: HONOURS[kind], ifMatch: HONOURS[kind] } });
    if (!HONOURS[kind]) {
      const warning = lines.find((l) => l.event === "store.conditional_writes_ignored");
      expect(warning).toMatchObject({ level: "warn", bucket: s3.bucket, prefix: "statuses" });
      expect(warning!.message).toContain("two suites must not share");
    }
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "statuses/probe/" }));
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it("a restarted writer (empty cache) never replaces a newer document with a redelivered older message", async () => {
    const store = new DocumentStore(s3.client, s3.bucket, await probedStore(s3, "status-writer", logger));
    await new StatusWriter(store, "statuses", logger, { maxBackoffMs: 500 }).handle(envelope("redelivered", 3), signal);
    const restarted = new StatusWriter(store, "statuses", logger, { maxBackoffMs: 500 });
    const calls = countRequests(s3.client);
    await restarted.handle(envelope("redelivered", 1), signal);
    expect(restarted.stats).toMatchObject({ written: 0, stale: 1 });
    // Where the store ignores the headers the writer read the rank first; where it honours them the
    // conditional write lost and the writer read after.
    expect(calls.get("HeadObjectCommand")).toBe(1);
    expect(await readJson(s3.client, s3.bucket, "statuses/redelivered-status.json")).toMatchObject({ stage: "mosaic", status: "FAILED" });
  });

  it.runIf(!HONOURS[kind])("the fast path alone would regress a document here: what the probe prevents", async () => {
    const assumeHonoured = new DocumentStore(s3.client, s3.bucket, { mode: "conditional" as StoreMode });
    await new StatusWriter(assumeHonoured, "statuses", logger, { maxBackoffMs: 500 }).handle(envelope("fast-path", 3), signal);
    await new StatusWriter(assumeHonoured, "statuses", logger, { maxBackoffMs: 500 }).handle(envelope("fast-path", 1), signal);
    expect(await readJson(s3.client, s3.bucket, "statuses/fast-path-status.json")).toMatchObject({ stage: "chunk", status: "FINISHED" });
  });

  it("a restarted notifier posts a job once: it reads its record, and asks the catalog about a claim left in posting", async () => {
    const records = new CatalogRecords(s3.client, s3.bucket, "statuses", await probedStore(s3, "catalog-notifier", logger));
    const make = () => new CatalogNotifier(new CatalogClient(catalog.url, "tok-777", 2000), records, logger, NOTIFIER_OPTIONS);
    const finished = (jobId: string): Envelope => ({ ...envelope(jobId, 3), body: finishedBody(jobId) });
    await make().handle(finished("posted-job"), signal);
    await make().handle(finished("posted-job"), signal);
    expect(catalog.requests.map((r) => (r.json as { uri: string }).uri)).toEqual([tilesUriOf("posted-job")]);

    // A predecessor died between the catalog's 2xx and its "posted" record.
    await records.put({ jobId: "died-job", uri: tilesUriOf("died-job"), state: "posting", owner: NOTIFIER_OPTIONS.owner, at: new Date().toISOString(), messageId: "x" }, "any");
    catalog.accepted.add(tilesUriOf("died-job"));
    const n = make();
    await n.handle(finished("died-job"), signal);
    expect(n.stats).toMatchObject({ posted: 0, foundInCatalog: 1 });
    expect(catalog.requests).toHaveLength(1);
    expect((await records.get("died-job"))?.record?.state).toBe("posted");
  });
});
