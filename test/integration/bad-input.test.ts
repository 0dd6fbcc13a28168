// The bad-input corpus through the real poller (local SQS and S3, real ZeroMQ consumers): every
// invalid message gets one log line with its SQS message id and reason, is kept in quarantine
// exactly as it arrived, leaves the main queue, and never blocks the valid messages behind it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Poller } from "../../apps/poller/poller";
import { Quarantine } from "../../apps/shared/aws/quarantine";
import { BusClient, BusServer, TOPIC_ALL, TOPIC_MOSAIC_FINISHED, type Envelope } from "../../apps/shared/bus/bus";
import { loadConfig } from "../../apps/shared/runtime/config";
import { startLocalS3, startLocalSqs, suiteEnv, type LocalS3, type LocalSqs } from "../support/local-servers";
import { capturingLogger } from "../support/capture-logger";
import { waitFor } from "../support/wait";

const nested = (depth: number): unknown => (depth === 0 ? 1 : { n: nested(depth - 1) });
const valid = { jobId: "ok-1", stage: "chunk", status: "STARTED" };

// [name, raw body, what the reason must say]
const CORPUS: Array<[string, string, RegExp]> = [
  ["unescaped quote in error", '{"jobId":"j1","stage":"chunk","status":"FAILED","error":"gdal said "no""}', /not valid JSON/],
  ["truncated JSON", '{"jobId":"j1","stage":"chunk"', /not valid JSON/],
  ["whitespace body", "   ", /empty body/],
  ["array", "[1,2,3]", /must be a JSON object, got an array/],
  ["null", "null", /got null/],
  ["string", '"chunk STARTED"', /got a string/],
  ["number", "42", /got a number/],
  ["missing jobId", '{"stage":"chunk","status":"STARTED"}', /jobId: is required/],
  ["numeric jobId", '{"jobId":7,"stage":"chunk","status":"STARTED"}', /jobId: must be a string/],
  ["unknown stage", '{"jobId":"j","stage":"tile","status":"STARTED"}', /stage: must be one of chunk, mosaic/],
  ["unknown status", '{"jobId":"j","stage":"chunk","status":"DONE"}', /status: must be one of STARTED, FAILED, FINISHED/],
  ["jobId ..", '{"jobId":"..","stage":"chunk","status":"STARTED"}', /jobId: /],
  ["jobId with slash", '{"jobId":"a/../../etc","stage":"chunk","status":"STARTED"}', /jobId: /],
  ["empty jobId", '{"jobId":"","stage":"chunk","status":"STARTED"}', /jobId: must not be empty/],
  ["very long jobId", JSON.stringify({ jobId: "a".repeat(5000), stage: "chunk", status: "STARTED" }), /jobId: must be at most 200/],
  ["control characters in jobId", JSON.stringify({ jobId: "a\u0000b\nc", stage: "chunk", status: "STARTED" }), /jobId: /],
  ["ftp target", JSON.stringify({ jobId: "j", stage: "mosaic", status: "FINISHED", target: "ftp://x/y", images: ["http://i/a.tif"] }), /target: must be an s3:\/\/ or http/],
  ["images not an array", JSON.stringify({ jobId: "j", stage: "mosaic", status: "FINISHED", target: "s3://b/j", images: "http://i/a.tif" }), /images: /],
  ["images not URLs", JSON.stringify({ jobId: "j", stage: "mosaic", status: "FINISHED", target: "s3://b/j", images: ["file:///etc/passwd"] }), /images\.0: /],
  ["mosaic FINISHED without target", JSON.stringify({ jobId: "j", stage: "mosaic", status: "FINISHED", images: ["http://i/a.tif"] }), /target: is required for mosaic FINISHED/],
  ["deeply nested", JSON.stringify({ ...valid, extra: nested(100) }), /nested deeper than 32/],
  ["__proto__ key", '{"jobId":"j","stage":"chunk","status":"STARTED","__proto__":{"polluted":true}}', /forbidden key "__proto__"/],
  ["constructor key", '{"jobId":"j","stage":"chunk","status":"STARTED","meta":{"constructor":{"prototype":{}}}}', /forbidden key "constructor"/],
  ["not JSON near 256 KiB", `{"jobId":"j","error":"${"x".repeat(255 * 1024)}`, /not valid JSON/],
];

describe("bad input", () => {
  let sqs: LocalSqs;
  let s3: LocalS3;
  let run: string;
  let poller: Poller;
  const clients: BusClient[] = [];
  let lines: Array<Record<string, any>> = [];
  const published: Envelope[] = [];
  let queueUrl: string;

  beforeAll(async () => {
    [sqs, s3] = await Promise.all([startLocalSqs(), startLocalS3()]);
    run = mkdtempSync(path.join(os.tmpdir(), "oam-bad-"));
    queueUrl = await sqs.createQueue("bad-input");
    const config = loadConfig("poller", suiteEnv(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: queueUrl, OAM_RUN_DIR: run }));
    const captured = capturingLogger("poller");
    const logger = captured.logger;
    lines = captured.lines;
    const bus = new BusServer(config.bus);
    await bus.start();
    poller = new Poller({ config, sqs: sqs.client, bus, quarantine: new Quarantine(s3.client, s3.bucket, "statuses"), logger });
    poller.start();
    for (const [name, topic] of [
      ["status-writer", TOPIC_ALL],
      ["catalog-notifier", TOPIC_MOSAIC_FINISHED],
    ] as const) {
      const c = new BusClient(config.bus, name, [topic]);
      c.start();
      clients.push(c);
      void (async () => {
        for await (const env of c.envelopes()) {
          if (name === "status-writer") published.push(env);
          await c.ack(env.messageId);
        }
      })();
    }
  });

  afterAll(async () => {
    await poller?.stop();
    clients.forEach((c) => c.close());
    await Promise.all([sqs?.stop(), s3?.stop()]);
    rmSync(run, { recursive: true, force: true });
  });

  it("quarantines every invalid message with its id and reason, and lets the valid ones through", async () => {
    const hugeValid = JSON.stringify({ jobId: "big-1", stage: "chunk", status: "FAILED", error: "e".repeat(250 * 1024) });
    const goodAfter = JSON.stringify({ jobId: "ok-2", stage: "mosaic", status: "FINISHED", target: "s3://t/ok-2", images: ["/vsicurl/http://i/a.tif"], tiler: "v2" });
    const bodies = [...CORPUS.map(([, body]) => body), JSON.stringify(valid), '{"test": true}', hugeValid, goodAfter];
    const idOf = new Map<string, string>(); // message id -> corpus name
    for (let i = 0; i < bodies.length; i++) {
      // One per request: a batch may not exceed 256 KiB in all.
      const res = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: "0", MessageBody: bodies[i] }] }));
      idOf.set(res.Successful![0].MessageId!, i < CORPUS.length ? CORPUS[i][0] : `valid-${i}`);
    }
    await waitFor(async () => (await sqs.depth(queueUrl)) === 0 && poller.inFlight.size === 0, { what: "the queue to drain", timeoutMs: 30_000 });

    const invalid = lines.filter((l) => l.event === "message.invalid");
    expect(invalid).toHaveLength(CORPUS.length);
    for (const [name, body, reason] of CORPUS) {
      const matching = invalid.filter((l) => idOf.get(l.messageId) === name);
      expect(matching, name).toHaveLength(1);
      const line = matching[0];
      expect(line.reason, name).toMatch(reason);
      expect(line.level).toBe("warn");
      const kept = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: line.quarantineKey }));
      const record = JSON.parse(await kept.Body!.transformToString());
      expect(record.body, name).toBe(body);
      expect(record.reason).toBe(line.reason);
      expect(record.messageId).toBe(line.messageId);
      expect(line.quarantineKey.startsWith("statuses/quarantine/")).toBe(true);
    }
    // The test ping is answered in the log and not published; the valid ones are, extras kept.
    expect(lines.filter((l) => l.event === "message.test")).toHaveLength(1);
    const jobIds = published.map((e) => e.body.jobId).sort();
    expect(jobIds).toEqual(["big-1", "ok-1", "ok-2"]);
    expect(published.find((e) => e.body.jobId === "ok-2")!.body).toMatchObject({ tiler: "v2" });
    expect((published.find((e) => e.body.jobId === "big-1")!.body.error as string).length).toBe(250 * 1024);
    // Nothing crashed: still polling.
    expect(lines.some((l) => l.level === "error")).toBe(false);
  });
});
