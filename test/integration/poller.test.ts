// The poller's delivery protocol with real ZeroMQ sockets and the local SQS server: deletes only
// after every required ack, republishes late acks and to a joining subscriber, caps in-flight work.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Poller } from "../../apps/poller/poller";
import { Quarantine } from "../../apps/shared/aws/quarantine";
import { BusClient, BusServer, TOPIC_ALL, TOPIC_MOSAIC_FINISHED, type ConsumerName, type Envelope } from "../../apps/shared/bus/bus";
import { loadConfig } from "../../apps/shared/runtime/config";
import { createLogger } from "../../apps/shared/runtime/logger";
import { CREDENTIALS, REGION, startLocalS3, startLocalSqs, suiteEnv, type LocalS3, type LocalSqs } from "../support/local-servers";
import { trackOutstanding } from "../support/request-counter";
import { waitFor } from "../support/wait";

const logger = createLogger("poller-test", { silent: true });

describe("poller", () => {
  let sqs: LocalSqs;
  let s3: LocalS3;
  let run: string;
  const cleanups: Array<() => Promise<void> | void> = [];
  let q = 0;

  beforeAll(async () => {
    [sqs, s3] = await Promise.all([startLocalSqs(), startLocalS3()]);
    run = mkdtempSync(path.join(os.tmpdir(), "oam-poller-"));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await Promise.all([sqs?.stop(), s3?.stop()]);
    rmSync(run, { recursive: true, force: true });
  });

  async function setup(extra: Record<string, string> = {}) {
    const queueUrl = await sqs.createQueue(`poller-${++q}`);
    const config = loadConfig("poller", {
      ...suiteEnv(sqs, s3, { OAM_STATUS_SQS_QUEUE_URL: queueUrl, OAM_RUN_DIR: path.join(run, String(q)), ...extra }),
    });
    const bus = new BusServer(config.bus);
    await bus.start();
    // Its own client, so that the receives counted are the poller's alone.
    const client = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials: CREDENTIALS });
    const receives = trackOutstanding(client, "ReceiveMessageCommand");
    const poller = new Poller({ config, sqs: client, bus, quarantine: new Quarantine(s3.client, s3.bucket, "statuses"), logger });
    poller.start();
    cleanups.push(async () => {
      await poller.stop();
      client.destroy();
    });
    const consumer = (name: ConsumerName, topics: string[], autoAck = true) => {
      const client = new BusClient(config.bus, name, topics);
      client.start();
      const seen: Envelope[] = [];
      void (async () => {
        for await (const env of client.envelopes()) {
          seen.push(env);
          if (autoAck) await client.ack(env.messageId);
        }
      })();
      cleanups.push(() => client.close());
      return { client, seen };
    };
    const send = (bodies: object[]) =>
      sqs.client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: JSON.stringify(b) })) }),
      );
    return { config, poller, queueUrl, consumer, send, receives };
  }

  it("deletes a mosaic FINISHED only after both the writer and the notifier acked", async () => {
    const { poller, queueUrl, consumer, send } = await setup();
    const writer = consumer("status-writer", [TOPIC_ALL]);
    const notifier = consumer("catalog-notifier", [TOPIC_MOSAIC_FINISHED], false);
    await send([
      { jobId: "a", stage: "chunk", status: "STARTED" },
      { jobId: "a", stage: "mosaic", status: "FINISHED", target: "s3://t/a", images: ["http://i/a.tif"] },
    ]);
    await waitFor(() => writer.seen.length >= 2 && notifier.seen.length >= 1, { what: "both consumers to receive" });
    await waitFor(async () => poller.inFlight.size === 1 && (await sqs.depth(queueUrl)) === 1, { what: "the chunk message to be deleted" });
    expect(poller.inFlight.all()[0].envelope.body.stage).toBe("mosaic");
    const env = notifier.seen[0];
    expect(env.body).toMatchObject({ jobId: "a", stage: "mosaic", status: "FINISHED" });
    expect(env.sentTimestamp).toBeGreaterThan(0);
    expect(env.receiveCount).toBe(1);
    await notifier.client.ack(env.messageId);
    await waitFor(async () => poller.inFlight.size === 0 && (await sqs.depth(queueUrl)) === 0, { what: "the queue to drain" });
  });

  it("republishes a message whose ack is late, and to a subscriber that joins", async () => {
    const { poller, consumer, send } = await setup({ OAM_ACK_TIMEOUT_SECONDS: "1" });
    const silent = consumer("status-writer", [TOPIC_ALL], false);
    await send([{ jobId: "late", stage: "chunk", status: "STARTED" }]);
    await waitFor(() => silent.seen.length >= 3, { what: "two republications after late acks", timeoutMs: 10_000 });
    expect(new Set(silent.seen.map((e) => e.messageId)).size).toBe(1);
    const republishedBefore = poller.stats.republished;
    const joining = consumer("status-writer", [TOPIC_ALL]);
    await waitFor(() => joining.seen.length >= 1, { what: "the joining subscriber to get the in-flight message", timeoutMs: 900 });
    expect(poller.stats.republished).toBeGreaterThan(republishedBefore);
    await waitFor(() => poller.inFlight.size === 0, { what: "the ack from the joining subscriber" });
  });

  it("caps the messages in flight and takes more as acks free room", async () => {
    const { poller, consumer, send, queueUrl } = await setup({ OAM_MAX_IN_FLIGHT: "5" });
    const held = consumer("status-writer", [TOPIC_ALL], false);
    await send(Array.from({ length: 10 }, (_, i) => ({ jobId: `cap-${i}`, stage: "chunk", status: "STARTED" })));
    await waitFor(() => held.seen.length >= 5, { what: "five messages published" });
    // Further polls would be refused room: give the loop time to prove it does not exceed the cap.
    await waitFor(() => poller.stats.received >= 5, { what: "five received" });
    expect(poller.inFlight.size).toBe(5);
    expect(poller.stats.received).toBe(5);
    for (const e of held.seen.slice(0, 5)) await held.client.ack(e.messageId);
    await waitFor(() => poller.stats.received === 10, { what: "the other five to be received" });
    await waitFor(() => held.seen.length >= 10, { what: "the other five published" });
    for (const e of held.seen.slice(5)) await held.client.ack(e.messageId);
    await waitFor(async () => poller.inFlight.size === 0 && (await sqs.depth(queueUrl)) === 0, { what: "the queue to drain" });
  });

  it("receives in parallel by default while a backlog lasts, and goes back to one long poll when the queue is empty", async () => {
    const { config, poller, consumer, send, queueUrl, receives } = await setup();
    expect(config.sqs.receiveConcurrency).toBe(4);
    // Idle: one long poll out at a time (the local profile's wait is 1 s).
    await waitFor(() => receives.sent >= 3, { what: "three idle polls", timeoutMs: 10_000 });
    expect(receives.max).toBe(1);
    consumer("status-writer", [TOPIC_ALL]);
    const n = 400;
    for (let i = 0; i < n; i += 10) await send(Array.from({ length: 10 }, (_, j) => ({ jobId: `backlog-${i + j}`, stage: "chunk", status: "STARTED" })));
    await waitFor(async () => poller.stats.acked === n && (await sqs.depth(queueUrl)) === 0, { what: "the backlog to drain", timeoutMs: 60_000 });
    expect(receives.max).toBeGreaterThan(1);
    expect(receives.max).toBeLessThanOrEqual(4);
    // Empty again: back to one poll at a time, as many requests as when idle before.
    await waitFor(() => receives.now <= 1, { what: "the helpers' last receives to end", timeoutMs: 10_000 });
    receives.reset();
    const sent = receives.sent;
    await waitFor(() => receives.sent >= sent + 3, { what: "three more idle polls", timeoutMs: 10_000 });
    expect(receives.max).toBe(1);
  });

  it("never has more in flight than the cap with parallel receives", async () => {
    const { poller, consumer, send, queueUrl } = await setup({ OAM_MAX_IN_FLIGHT: "25", OAM_SQS_RECEIVE_CONCURRENCY: "4" });
    const held = consumer("status-writer", [TOPIC_ALL], false);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, poller.inFlight.size)), 1);
    cleanups.push(() => clearInterval(watch));
    for (let i = 0; i < 100; i += 10) await send(Array.from({ length: 10 }, (_, j) => ({ jobId: `cap4-${i + j}`, stage: "chunk", status: "STARTED" })));
    await waitFor(() => held.seen.length >= 25, { what: "25 messages published" });
    most = Math.max(most, poller.inFlight.size);
    // Acks in bursts of 1 to 7: room comes back in pieces of every size, and the four receivers
    // (their receives in flight reserve room) must never take more than it.
    const acked = new Set<string>();
    let burst = 0;
    await waitFor(
      async () => {
        const todo = held.seen.filter((e) => !acked.has(e.messageId)).slice(0, (burst++ % 7) + 1);
        for (const e of todo) {
          acked.add(e.messageId);
          await held.client.ack(e.messageId);
        }
        most = Math.max(most, poller.inFlight.size);
        return poller.stats.acked === 100 && (await sqs.depth(queueUrl)) === 0;
      },
      { what: "100 messages acked in bursts", timeoutMs: 60_000, intervalMs: 5 },
    );
    expect(most).toBeLessThanOrEqual(25);
    expect(most).toBe(25);
    expect(poller.stats.received).toBe(100);
  });

  it("keeps in-flight messages invisible past the visibility timeout", async () => {
    const { poller, consumer, send, queueUrl } = await setup({ OAM_SQS_VISIBILITY_SECONDS: "4", OAM_ACK_TIMEOUT_SECONDS: "60" });
    const held = consumer("status-writer", [TOPIC_ALL], false);
    await send([{ jobId: "slow", stage: "chunk", status: "STARTED" }]);
    await waitFor(() => held.seen.length >= 1, { what: "the message" });
    // The heartbeat extends visibility when half of it is left: after two extensions the first
    // 4 s have passed, and the message must still be ours.
    await waitFor(() => poller.stats.visibilityExtended >= 2, { what: "two visibility extensions", timeoutMs: 10_000 });
    const res = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(res.Messages ?? []).toHaveLength(0);
    await held.client.ack(held.seen[0].messageId);
  });

  it("hands unacked messages back to SQS when stopped", async () => {
    const { poller, consumer, send, queueUrl } = await setup({ OAM_STOP_TIMEOUT_SECONDS: "3" });
    const held = consumer("status-writer", [TOPIC_ALL], false);
    await send([{ jobId: "handback", stage: "chunk", status: "STARTED" }]);
    await waitFor(() => held.seen.length >= 1, { what: "the message" });
    await poller.stop();
    const res = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, AttributeNames: ["All"] }));
    expect(res.Messages?.map((m) => JSON.parse(m.Body!).jobId)).toEqual(["handback"]);
    // The envelope carried SQS's SentTimestamp (not the receive time): a redelivery keeps its rank.
    expect(held.seen[0].sentTimestamp).toBe(Number(res.Messages![0].Attributes!.SentTimestamp));
  });
});
