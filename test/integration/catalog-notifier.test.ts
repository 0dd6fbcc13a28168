// The catalog notifier against a real HTTP stand-in and the local S3 server: retries with backoff,
// permanent rejections recorded, one post per job, mock mode.
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CatalogClient } from "../../apps/catalog-notifier/catalog-client";
import { CatalogNotifier } from "../../apps/catalog-notifier/catalog-notifier";
import { CatalogRecords } from "../../apps/catalog-notifier/catalog-records";
import { TransientError } from "../../apps/shared/util/errors";
import type { Envelope } from "../../apps/shared/bus/bus";
import type { StatusMessage } from "../../apps/shared/domain/message";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { startLocalS3, type LocalS3 } from "../support/local-servers";
import { capturingLogger } from "../support/capture-logger";
import { NOTIFIER_OPTIONS } from "../support/consumers";
import { countRequests } from "../support/request-counter";
import { waitFor } from "../support/wait";
import { tilesUriOf } from "../support/workload";

let n = 0;
function envelope(jobId: string, extra: Partial<StatusMessage> = {}): Envelope {
  const now = Date.now();
  return {
    messageId: `m-${++n}`,
    sentTimestamp: now,
    receiveCount: 1,
    receivedAt: now,
    publishedAt: now,
    body: {
      jobId,
      stage: "mosaic",
      status: "FINISHED",
      target: `s3://oam-tiles/${jobId}`,
      images: [`/vsicurl/http://b.s3.amazonaws.com/${jobId}.tif`],
      ...extra,
    },
  };
}

describe("catalog-notifier", () => {
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let records: CatalogRecords;
  let s3Calls: Map<string, number>;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    [s3, catalog] = await Promise.all([startLocalS3("catalog-records"), startCatalogStandIn()]);
    records = new CatalogRecords(s3.client, s3.bucket, "statuses", { mode: "conditional" });
    s3Calls = countRequests(s3.client);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), catalog?.close()]);
  });
  beforeEach(() => catalog.reset());

  function notifier(opts: { mock?: boolean; timeoutMs?: number } = {}) {
    const { logger, lines } = capturingLogger("catalog-notifier-test", { debug: true });
    const client = new CatalogClient(`${catalog.url}//`, "tok-123456", opts.timeoutMs ?? 2000);
    return { n: new CatalogNotifier(client, records, logger, { ...NOTIFIER_OPTIONS, mock: opts.mock ?? false }), lines };
  }

  it("retries 503, 429, 408 and a hang, then posts once and records it", async () => {
    catalog.script.push(503, 429, 408, "hang");
    const { n: notif, lines } = notifier({ timeoutMs: 300 });
    await notif.handle(envelope("retry-job"), signal);
    expect(catalog.requests).toHaveLength(5);
    expect(catalog.requests.every((r) => r.url === "/tms")).toBe(true);
    expect(catalog.requests[4].json).toEqual({
      uri: tilesUriOf("retry-job"),
      images: [{ uuid: "http://b.s3.amazonaws.com/retry-job.tif" }],
    });
    expect(notif.stats).toMatchObject({ posted: 1, retries: 4 });
    expect(lines.filter((l) => l.event === "catalog.retry")).toHaveLength(4);
    expect((await records.get("retry-job"))?.record?.state).toBe("posted");
  });

  it("retries a refused connection until the catalog is back", async () => {
    const { logger } = capturingLogger("catalog-notifier-test", { debug: true });
    const down = new CatalogClient("http://127.0.0.1:1", "tok-123456", 500);
    let attempts = 0;
    const flaky = {
      endpoint: down.endpoint,
      post: (jobId: string, payload: never, s?: AbortSignal) =>
        ++attempts < 3 ? down.post(jobId, payload, s) : new CatalogClient(catalog.url, "tok-123456", 2000).post(jobId, payload, s),
    } as unknown as CatalogClient;
    const notif = new CatalogNotifier(flaky, records, logger, NOTIFIER_OPTIONS);
    await notif.handle(envelope("refused-job"), signal);
    expect(attempts).toBe(3);
    expect(catalog.requests).toHaveLength(1);
  });

  it("does not post a job twice, and claims a new job without reading its record first", async () => {
    const { n: notif } = notifier();
    s3Calls.clear();
    await notif.handle(envelope("once-job"), signal);
    // One conditional claim and the outcome: no read before the claim of a job seen the first time.
    expect(Object.fromEntries(s3Calls)).toEqual({ PutObjectCommand: 2 });
    await notif.handle(envelope("once-job"), signal);
    await notifier().n.handle(envelope("once-job"), signal);
    expect(catalog.requests).toHaveLength(1);
  });

  it("records a 4xx rejection with the response and does not retry it", async () => {
    catalog.script.push(400);
    const { n: notif, lines } = notifier();
    await notif.handle(envelope("bad-job"), signal);
    expect(catalog.requests).toHaveLength(1);
    const error = lines.find((l) => l.event === "catalog.rejected");
    expect(error).toMatchObject({ level: "error", jobId: "bad-job", httpStatus: 400, recordKey: "statuses/catalog/bad-job.json" });
    expect(String(error!.response)).toContain("scripted 400");
    // The stand-in echoed the bearer token in its answer: neither the log nor the record has it.
    expect(catalog.requests[0].headers.authorization).toBe("Bearer tok-123456");
    expect(JSON.stringify(lines)).not.toContain("tok-123456");
    const res = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: "statuses/catalog/bad-job.json" }));
    const stored = await res.Body!.transformToString();
    expect(JSON.parse(stored)).toMatchObject({ state: "rejected", httpStatus: 400 });
    expect(stored).not.toContain("tok-123456");
  });

  it("logs the payload instead of posting when MOCK_OAM_API=true", async () => {
    const { n: notif, lines } = notifier({ mock: true });
    await notif.handle(envelope("mock-job"), signal);
    expect(catalog.requests).toHaveLength(0);
    expect(lines.find((l) => l.event === "catalog.mock")).toMatchObject({
      jobId: "mock-job",
      payload: { uri: tilesUriOf("mock-job"), images: [{ uuid: "http://b.s3.amazonaws.com/mock-job.tif" }] },
    });
  });

  it("waits while another suite holds a fresh claim, then skips the job it posted", async () => {
    await records.put(
      { jobId: "claimed-job", uri: tilesUriOf("claimed-job"), state: "posting", owner: "host-b:/run", at: new Date().toISOString(), messageId: "x" },
      null,
    );
    const { n: notif, lines } = notifier();
    const done = notif.handle(envelope("claimed-job"), signal);
    await waitFor(() => lines.some((l) => l.event === "catalog.claim_held"), { what: "the notifier to see the claim" });
    // The other suite finishes its post.
    const held = await records.get("claimed-job");
    await records.put({ ...held!.record!, state: "posted", at: new Date().toISOString() }, held);
    await done;
    expect(catalog.requests).toHaveLength(0);
    expect(notif.stats.skipped).toBe(1);
  });

  it("takes over a stale claim of another suite, and its own predecessor's claim at once", async () => {
    const old = new Date(Date.now() - 120_000).toISOString();
    await records.put({ jobId: "stale-job", uri: tilesUriOf("stale-job"), state: "posting", owner: "host-b:/run", at: old, messageId: "x" }, null);
    await records.put({ jobId: "mine-job", uri: tilesUriOf("mine-job"), state: "posting", owner: NOTIFIER_OPTIONS.owner, at: new Date().toISOString(), messageId: "x" }, null);
    const { n: notif } = notifier();
    await notif.handle(envelope("stale-job"), signal);
    await notif.handle(envelope("mine-job"), signal);
    expect(catalog.requests.map((r) => (r.json as { uri: string }).uri)).toEqual([tilesUriOf("stale-job"), tilesUriOf("mine-job")]);
    expect((await records.get("stale-job"))?.record).toMatchObject({ state: "posted", owner: NOTIFIER_OPTIONS.owner });
  });

  it("has at most maxConcurrentPosts jobs between their POST and its record, and none while backing off", async () => {
    const { logger } = capturingLogger("catalog-notifier-test", { debug: true });
    const real = new CatalogClient(catalog.url, "tok-123456", 2000);
    const events: string[] = [];
    // Jobs whose POST is under way or answered but whose "posted" record is not written yet: the
    // ones a kill at that moment would post again.
    let open = 0;
    let mostOpen = 0;
    let failuresLeft = 3;
    const client = {
      endpoint: real.endpoint,
      post: async (jobId: string, payload: never, s?: AbortSignal) => {
        mostOpen = Math.max(mostOpen, ++open);
        if (jobId === "slot-0" && failuresLeft-- > 0) {
          open--;
          events.push(`${jobId} failed`);
          throw new TransientError("catalog answered HTTP 503");
        }
        const res = await real.post(jobId, payload, s);
        events.push(`${jobId} posted`);
        return res;
      },
    } as unknown as CatalogClient;
    class WatchedRecords extends CatalogRecords {
      override async put(...args: Parameters<CatalogRecords["put"]>) {
        const stored = await super.put(...args);
        if (args[0].state === "posted") open--;
        return stored;
      }
    }
    const notif = new CatalogNotifier(client, new WatchedRecords(s3.client, s3.bucket, "statuses", { mode: "conditional" }), logger, {
      ...NOTIFIER_OPTIONS,
      startingDelayMs: 100,
      maxBackoffMs: 100,
      maxConcurrentPosts: 2,
    });

    await Promise.all(Array.from({ length: 12 }, (_, i) => notif.handle(envelope(`slot-${i}`), signal)));
    expect(catalog.requests).toHaveLength(12);
    expect(notif.stats).toMatchObject({ posted: 12, retries: 3 });
    expect(mostOpen).toBe(2);
    expect(open).toBe(0);
    expect(notif.postsInProgress).toBe(0);
    // slot-0 failed first; the others went ahead while it backed off instead of waiting for it.
    expect(events[0]).toBe("slot-0 failed");
    expect(events.indexOf("slot-0 posted")).toBeGreaterThan(events.indexOf("slot-1 posted"));
  });

  it("stops retrying when stopped, leaving the job unacked", async () => {
    catalog.script.push(503, 503, 503, 503, 503, 503, 503, 503, 503, 503);
    const { n: notif } = notifier();
    const stop = new AbortController();
    const p = notif.handle(envelope("stopped-job"), stop.signal);
    // Stopped while it retries: once the catalog has refused it at least once.
    await waitFor(() => catalog.requests.length >= 1, { what: "a first, refused post" });
    stop.abort();
    await expect(p).rejects.toThrow();
    expect((await records.get("stopped-job"))?.record?.state).toBe("posting");
  });

  it("asks the catalog about its predecessor's claim left in posting: posts when the catalog lacks the uri, or cannot answer the query", async () => {
    const plant = (jobId: string) =>
      records.put({ jobId, uri: tilesUriOf(jobId), state: "posting", owner: NOTIFIER_OPTIONS.owner, at: new Date().toISOString(), messageId: "x" }, "any");
    await plant("lacking-job");
    const { n: notif } = notifier();
    await notif.handle(envelope("lacking-job"), signal);
    expect(catalog.queries.map((q) => q.url)).toEqual([`/tms?uri=${encodeURIComponent(tilesUriOf("lacking-job"))}`]);
    expect(catalog.requests).toHaveLength(1);
    for (const status of [404, 405]) {
      catalog.lookup = status;
      await plant(`old-api-${status}`);
      await notif.handle(envelope(`old-api-${status}`), signal);
    }
    expect(catalog.requests.map((r) => (r.json as { uri: string }).uri)).toEqual([tilesUriOf("lacking-job"), tilesUriOf("old-api-404"), tilesUriOf("old-api-405")]);
    expect(notif.stats).toMatchObject({ posted: 3, foundInCatalog: 0 });
  });

  it("treats an unreadable record (a write cut off) as an unknown outcome: asks the catalog instead of stalling", async () => {
    const uri = tilesUriOf("torn-job");
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "statuses/catalog/torn-job.json", Body: '{"jobId":"torn-job","uri":"ht' }));
    catalog.accepted.add(uri);
    const { n: notif, lines } = notifier();
    await notif.handle(envelope("torn-job"), signal);
    expect(lines.find((l) => l.event === "catalog.record_unreadable")).toMatchObject({ jobId: "torn-job", recordKey: "statuses/catalog/torn-job.json" });
    expect(catalog.requests).toHaveLength(0);
    expect((await records.get("torn-job"))?.record?.state).toBe("posted");
  });

  it("keeps jobs through a refused token (401, 403), reports it at error level, and posts each once when the token works", async () => {
    let refusing = true;
    catalog.respond = (req) => (refusing ? (req.json as { uri: string }).uri.includes("job-4") ? 403 : 401 : 200);
    const { n: notif, lines } = notifier();
    const jobs = ["token-job-1", "token-job-2", "token-job-3", "token-job-4"];
    const done = Promise.all(jobs.map((j) => notif.handle(envelope(j), signal)));
    await waitFor(() => catalog.requests.length >= 12, { what: "refused posts" });
    expect(notif.tokenAlarm.failing).toBe(true);
    refusing = false;
    await done;
    expect(notif.tokenAlarm.failing).toBe(false);
    const accepted = catalog.requests.slice(-4).map((r) => (r.json as { uri: string }).uri);
    expect(new Set(accepted).size).toBe(4);
    expect(notif.stats).toMatchObject({ posted: 4, rejected: 0 });
    for (const j of jobs) expect((await records.get(j))?.record?.state).toBe("posted");
    const refused = lines.filter((l) => l.event === "catalog.token_refused");
    // Error level once when it starts (mailed), warnings while it lasts; nothing recorded against a job.
    expect(refused.filter((l) => l.level === "error")).toHaveLength(1);
    expect(refused.length).toBeGreaterThanOrEqual(8);
    expect(lines.find((l) => l.event === "catalog.token_accepted")).toBeDefined();
    expect(lines.some((l) => l.event === "catalog.rejected")).toBe(false);
    expect(JSON.stringify(lines)).not.toContain("tok-123456");
  });

  it("asks the catalog after a post of its own timed out, and does not post again what the catalog took", async () => {
    catalog.script.push("accept-then-hang");
    const { n: notif, lines } = notifier({ timeoutMs: 300 });
    await notif.handle(envelope("late-answer-job"), signal);
    expect(catalog.requests).toHaveLength(1);
    expect(catalog.queries).toHaveLength(1);
    expect(notif.stats).toMatchObject({ posted: 0, foundInCatalog: 1, retries: 1 });
    expect(lines.find((l) => l.event === "catalog.found")).toMatchObject({ jobId: "late-answer-job" });
    expect((await records.get("late-answer-job"))?.record?.state).toBe("posted");
  });
});
