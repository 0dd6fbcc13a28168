// Graceful stop of a bus consumer, over real ZeroMQ sockets: intake stops at once, work under way
// finishes and is acked within the deadline, work past the deadline is aborted and never acked.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BusClient, BusServer, TOPIC_ALL, type Ack, type Envelope } from "../../apps/shared/bus/bus";
import { BusConsumer } from "../../apps/shared/bus/consumer";
import { createLogger } from "../../apps/shared/runtime/logger";
import { waitFor } from "../support/wait";

const logger = createLogger("consumer-test", { silent: true });

function envelope(id: string): Envelope {
  const now = Date.now();
  return { messageId: id, sentTimestamp: now, receiveCount: 1, receivedAt: now, publishedAt: now, body: { jobId: id, stage: "chunk", status: "STARTED" } };
}

describe("consumer stop", () => {
  const dirs: string[] = [];
  const closers: Array<() => void> = [];
  afterEach(() => {
    closers.splice(0).forEach((c) => c());
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  async function setup(handler: (e: Envelope, s: AbortSignal) => Promise<void>, stopTimeoutMs: number) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "oam-consumer-"));
    dirs.push(dir);
    const endpoints = { pubEndpoint: `ipc://${dir}/pub.sock`, ackEndpoint: `ipc://${dir}/ack.sock` };
    const server = new BusServer(endpoints);
    await server.start();
    closers.push(() => server.close());
    const acks: Ack[] = [];
    void (async () => {
      for await (const a of server.acks()) acks.push(a);
    })();
    const subscribed = (async () => {
      for await (const t of server.subscriptions()) return t;
    })();
    const consumer = new BusConsumer(new BusClient(endpoints, "status-writer", [TOPIC_ALL]), handler, logger, stopTimeoutMs);
    consumer.start();
    await subscribed;
    return { server, consumer, acks };
  }

  it("finishes the work under way, acks it, and takes nothing new", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    const { server, consumer, acks } = await setup(async (e) => {
      await gate;
      handled.push(e.messageId);
    }, 5000);
    await server.publish(envelope("m1"));
    await waitFor(() => consumer.inFlight === 1, { what: "m1 under way" });
    const stopped = consumer.stop();
    await server.publish(envelope("m2"));
    release();
    await stopped;
    expect(handled).toEqual(["m1"]);
    await waitFor(() => acks.length === 1, { what: "m1's ack" });
    expect(acks).toEqual([{ consumer: "status-writer", messageId: "m1" }]);
  });

  it("aborts work that outlives the deadline and does not ack it", async () => {
    let aborted = false;
    const { server, consumer, acks } = await setup(
      (_e, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("aborted"));
          });
        }),
      2500,
    );
    await server.publish(envelope("slow"));
    await waitFor(() => consumer.inFlight === 1, { what: "the slow message under way" });
    const t0 = Date.now();
    await consumer.stop();
    expect(Date.now() - t0).toBeLessThan(2500 + 1500);
    expect(aborted).toBe(true);
    expect(acks).toEqual([]);
    expect(consumer.stats.acked).toBe(0);
  });

  it("acks again a message it already handled (the first ack may have been lost)", async () => {
    const calls: string[] = [];
    const { server, acks } = await setup(async (e) => {
      calls.push(e.messageId);
    }, 5000);
    await server.publish(envelope("dup"));
    await waitFor(() => acks.length === 1, { what: "the first ack" });
    await server.publish(envelope("dup"));
    await waitFor(() => acks.length === 2, { what: "the second ack" });
    expect(calls).toEqual(["dup"]);
  });
});
