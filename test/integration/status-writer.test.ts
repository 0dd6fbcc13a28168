// The status writer against both kinds of store (local-s3, which honours conditional writes, and
// plain s3rver, which ignores them; the writer probes which): ordering by rank, and coalescing of a
// job's messages that wait behind each other (one PUT for a burst, every message done only once the
// newest document is durable).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../apps/shared/runtime/logger";
import type { Envelope } from "../../apps/shared/bus/bus";
import { DocumentStore } from "../../apps/status-writer/document-store";
import { StatusWriter } from "../../apps/status-writer/status-writer";
import { probedStore } from "../support/consumers";
import { HONOURS, startLocalS3, STORE_KINDS, type LocalS3 } from "../support/local-servers";
import { countRequests } from "../support/request-counter";
import { readJson } from "../support/suite";
import { waitFor } from "../support/wait";
import { JOB_STEPS } from "../support/workload";

const logger = createLogger("status-writer-test", { silent: true });

function envelope(jobId: string, step: number, sentTimestamp = 1_700_000_000_000 + step): Envelope {
  const now = Date.now();
  return { messageId: `${jobId}-${step}`, sentTimestamp, receiveCount: 1, receivedAt: now, publishedAt: now, body: { jobId, ...JOB_STEPS[step] } };
}

describe.each(STORE_KINDS)("status writer on %s", (kind) => {
  let s3: LocalS3;
  let writer: StatusWriter;
  let s3Calls: Map<string, number>;
  let store: DocumentStore;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    s3 = await startLocalS3(undefined, undefined, kind);
    s3Calls = countRequests(s3.client);
    const capability = await probedStore(s3, "status-writer", logger);
    expect(capability.mode).toBe(HONOURS[kind] ? "conditional" : "read-first");
    store = new DocumentStore(s3.client, s3.bucket, capability);
    writer = new StatusWriter(store, "statuses", logger, { maxBackoffMs: 1000 });
  });
  afterAll(() => s3?.stop());
  const puts = () => s3Calls.get("PutObjectCommand") ?? 0;

  it("writes a burst of one job's messages once, with the newest, and settles every message after it", async () => {
    const before = { puts: puts(), superseded: writer.stats.superseded };
    const settledAt: number[] = [];
    const burst = [0, 1, 2, 3].map((step) => writer.handle(envelope("burst", step), signal).then(() => settledAt.push(step)));
    await Promise.all(burst);
    // All four were waiting at once: only the newest is written, the others settle after it.
    expect(puts() - before.puts).toBe(1);
    expect(writer.stats.superseded - before.superseded).toBe(3);
    expect(settledAt[0]).toBe(3);
    const doc = await readJson(s3.client, s3.bucket, "statuses/burst-status.json");
    expect(doc).toMatchObject({ jobId: "burst", stage: "mosaic", status: "FAILED", error: "gdal said no" });
  });

  it("arrives in any order and still ends on the newest message", async () => {
    const order = [3, 0, 2, 1];
    await Promise.all(order.map((step) => writer.handle(envelope("shuffled", step), signal)));
    const doc = await readJson(s3.client, s3.bucket, "statuses/shuffled-status.json");
    expect(doc).toMatchObject({ stage: "mosaic", status: "FAILED" });
    // An older message after the fact is stale and changes nothing.
    const stale = writer.stats.stale;
    await writer.handle(envelope("shuffled", 1), signal);
    expect(writer.stats.stale).toBe(stale + 1);
    expect(await readJson(s3.client, s3.bucket, "statuses/shuffled-status.json")).toMatchObject({ stage: "mosaic", status: "FAILED" });
  });

  it("fails the superseded messages too when the newest cannot be written, so none is acked", async () => {
    const abort = new AbortController();
    await s3.kill();
    try {
      const first = writer.handle(envelope("outage", 0), abort.signal);
      const middle = writer.handle(envelope("outage", 1), abort.signal);
      const newest = writer.handle(envelope("outage", 2), abort.signal);
      const results = Promise.allSettled([first, middle, newest]);
      // Stopping (pm2 stop) while S3 is down: the newest is being retried, then aborted.
      const retries = writer.stats.retries;
      await waitFor(() => writer.stats.retries > retries, { what: "a failed write of the newest" });
      abort.abort();
      const [a, b, c] = await results;
      expect([a.status, b.status, c.status]).toEqual(["rejected", "rejected", "rejected"]);
    } finally {
      await s3.revive();
    }
  });

  it.runIf(HONOURS[kind])("writes a job it has not seen with one request, and with an empty cache never replaces a newer document", async () => {
    s3Calls.clear();
    await writer.handle(envelope("cold", 2), signal);
    expect(Object.fromEntries(s3Calls)).toEqual({ PutObjectCommand: 1 });
    // A restarted writer knows nothing: its If-None-Match write loses, it reads the stored rank.
    const restarted = new StatusWriter(store, "statuses", logger, { maxBackoffMs: 1000 });
    s3Calls.clear();
    await restarted.handle(envelope("cold", 1), signal);
    expect(Object.fromEntries(s3Calls)).toEqual({ PutObjectCommand: 1, HeadObjectCommand: 1 });
    expect(restarted.stats).toMatchObject({ written: 0, stale: 1, conflicts: 0 });
    await restarted.handle(envelope("cold", 3), signal);
    expect(restarted.stats).toMatchObject({ written: 1, stale: 1, conflicts: 0 });
    expect(await readJson(s3.client, s3.bucket, "statuses/cold-status.json")).toMatchObject({ stage: "mosaic", status: "FAILED" });
  });
});
