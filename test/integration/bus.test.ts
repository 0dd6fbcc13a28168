// The bus on real ZeroMQ sockets: what is sent in one turn goes out as one message per topic
// ([topic, envelope, ...]) or one message of acks, and every envelope and ack still arrives alone.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pull, Subscriber } from "zeromq";
import { afterEach, describe, expect, it } from "vitest";
import { BusClient, BusServer, TOPIC_ALL, TOPIC_MOSAIC_FINISHED, topicFor, type Ack, type Envelope } from "../../apps/shared/bus/bus";
import type { StatusMessage } from "../../apps/shared/domain/message";
import { waitFor } from "../support/wait";

function envelope(i: number, body: Partial<StatusMessage> = {}): Envelope {
  const now = Date.now();
  return {
    messageId: `m${i}`,
    sentTimestamp: now,
    receiveCount: 1,
    receivedAt: now,
    publishedAt: now,
    body: { jobId: `job-${i}`, stage: "chunk", status: "STARTED", ...body } as StatusMessage,
  };
}

const STEPS: Array<Partial<StatusMessage>> = [
  { stage: "chunk", status: "STARTED" },
  { stage: "chunk", status: "FINISHED" },
  { stage: "mosaic", status: "FINISHED", target: "s3://t/x", images: ["http://x/a.tif"] },
];

describe("bus", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function endpoints() {
    const dir = mkdtempSync(path.join(os.tmpdir(), "oam-bus-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { pubEndpoint: `ipc://${dir}/pub.sock`, ackEndpoint: `ipc://${dir}/ack.sock` };
  }

  /** A bus server, and a plain ZeroMQ subscriber to see its messages as they go out. */
  async function serverWithRawSubscriber() {
    const ep = endpoints();
    const server = new BusServer(ep);
    await server.start();
    cleanups.push(() => server.close());
    const raw = new Subscriber({ linger: 0 });
    raw.connect(ep.pubEndpoint);
    raw.subscribe(TOPIC_ALL);
    cleanups.push(() => raw.close());
    return { ep, server, raw };
  }

  async function collect<T>(source: AsyncIterable<T>, into: T[]): Promise<void> {
    for await (const x of source) into.push(x);
  }

  it("sends the envelopes of one turn as one message per topic, and each arrives on its own", async () => {
    const { ep, server, raw } = await serverWithRawSubscriber();
    const writer = new BusClient(ep, "status-writer", [TOPIC_ALL]);
    const notifier = new BusClient(ep, "catalog-notifier", [TOPIC_MOSAIC_FINISHED]);
    writer.start();
    notifier.start();
    cleanups.push(() => writer.close(), () => notifier.close());
    // The XPUB socket passes each subscription up: all three are in before anything is sent.
    const joined = server.subscriptions()[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await joined.next();

    const rawMessages: Buffer[][] = [];
    void collect(raw, rawMessages);
    const forWriter: Envelope[] = [];
    const forNotifier: Envelope[] = [];
    void collect(writer.envelopes(), forWriter);
    void collect(notifier.envelopes(), forNotifier);

    // 30 envelopes over 3 topics in one turn.
    const sent = Array.from({ length: 30 }, (_, i) => envelope(i, STEPS[i % 3]));
    await Promise.all(sent.map((e) => server.publish(e)));

    await waitFor(() => forWriter.length === 30 && forNotifier.length === 10, { what: "all envelopes", timeoutMs: 5000, intervalMs: 10 });
    await waitFor(() => rawMessages.length === 3, { what: "three messages", timeoutMs: 5000, intervalMs: 10 });
    expect(rawMessages.map((m) => [m[0].toString(), m.length - 1]).sort()).toEqual(
      STEPS.map((s) => [topicFor(s as StatusMessage), 10]).sort(),
    );
    // In the order sent within a topic; the notifier gets its topic only.
    for (let t = 0; t < 3; t++) {
      expect(forWriter.filter((e) => e.body.stage === STEPS[t].stage && e.body.status === STEPS[t].status).map((e) => e.messageId)).toEqual(
        sent.filter((_, i) => i % 3 === t).map((e) => e.messageId),
      );
    }
    expect(forNotifier.map((e) => e.messageId)).toEqual(sent.filter((_, i) => i % 3 === 2).map((e) => e.messageId));
    expect(forWriter.every((e) => typeof e.arrivedAt === "number" && e.publishedAt <= e.arrivedAt!)).toBe(true);
  });

  it("splits a large turn into messages of at most 100 envelopes", async () => {
    const { server, raw } = await serverWithRawSubscriber();
    const joined = server.subscriptions()[Symbol.asyncIterator]();
    await joined.next();
    const rawMessages: Buffer[][] = [];
    void collect(raw, rawMessages);
    await Promise.all(Array.from({ length: 250 }, (_, i) => server.publish(envelope(i))));
    await waitFor(() => rawMessages.reduce((n, m) => n + m.length - 1, 0) === 250, { what: "250 envelopes", timeoutMs: 5000, intervalMs: 10 });
    expect(rawMessages.map((m) => m.length - 1)).toEqual([100, 100, 50]);
    expect(rawMessages.flatMap((m) => m.slice(1).map((f) => JSON.parse(f.toString()).messageId))).toEqual(
      Array.from({ length: 250 }, (_, i) => `m${i}`),
    );
  });

  it("sends the acks of one turn as one message, and the poller's side yields each", async () => {
    const ep = endpoints();
    const rawPull = new Pull({ linger: 0 });
    await rawPull.bind(ep.ackEndpoint);
    cleanups.push(() => rawPull.close());
    const client = new BusClient(ep, "status-writer", [TOPIC_ALL]);
    client.start();
    cleanups.push(() => client.close());
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.ack(`m${i}`)));
    const frames = await rawPull.receive();
    expect(frames.map((f) => JSON.parse(f.toString()) as Ack)).toEqual(Array.from({ length: 12 }, (_, i) => ({ consumer: "status-writer", messageId: `m${i}` })));

    // Through the poller's side: every ack on its own, a malformed frame skipped.
    rawPull.close();
    const ep2 = endpoints();
    const server = new BusServer(ep2);
    await server.start();
    cleanups.push(() => server.close());
    const client2 = new BusClient(ep2, "catalog-notifier", [TOPIC_MOSAIC_FINISHED]);
    client2.start();
    cleanups.push(() => client2.close());
    const acks: Ack[] = [];
    void collect(server.acks(), acks);
    await Promise.all([client2.ack("a"), client2.ack("b"), client2.ack("c")]);
    await waitFor(() => acks.length === 3, { what: "three acks", timeoutMs: 5000, intervalMs: 10 });
    expect(acks.map((a) => `${a.consumer}:${a.messageId}`)).toEqual(["catalog-notifier:a", "catalog-notifier:b", "catalog-notifier:c"]);
  });
});
