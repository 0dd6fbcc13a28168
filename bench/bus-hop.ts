// The ZeroMQ hop on its own: the suite's BusServer and BusClient in one quiet process, the
// envelope stamped when published and when taken off the socket (the same fields the status writer
// logs), over the default ipc endpoints and over loopback TCP, one message every 20 ms (50 msg/s)
// and in bursts of 10 (one SQS receive's worth). Reports p50/p95/p99 in ms to the parent.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BusClient, BusServer, TOPIC_ALL, type BusEndpoints, type Envelope } from "../apps/shared/bus/bus";
import { sleep } from "../apps/shared/util/retry";
import { percentiles, round, type Percentiles } from "./stats";
import { freePort } from "../test/support/ports";

const MESSAGES = 500;

export type HopMs = Pick<Percentiles, "n" | "p50" | "p95" | "p99">;

/** What this process reports: the hop by endpoint and pace ("ipc, 50 msg/s", "tcp, bursts of 10", ...). */
export type BusHopReport = Record<string, HopMs>;

async function measure(endpoints: BusEndpoints, burst: number): Promise<HopMs> {
  const server = new BusServer(endpoints);
  await server.start();
  const client = new BusClient(endpoints, "status-writer", [TOPIC_ALL]);
  client.start();
  try {
    await server.subscriptions().next(); // the subscriber has joined
    const hops: number[] = [];
    const received = (async () => {
      for await (const e of client.envelopes()) {
        hops.push(e.arrivedAt! - e.publishedAt);
        if (hops.length >= MESSAGES) return;
      }
    })();
    for (let i = 0; i < MESSAGES; i++) {
      const now = Date.now();
      const envelope: Envelope = { messageId: `m${i}`, sentTimestamp: now, receiveCount: 1, receivedAt: now, publishedAt: now, body: { jobId: `job-${i}`, stage: "chunk", status: "STARTED" } };
      await server.publish(envelope);
      if (i % burst === burst - 1) await sleep(20 * burst);
    }
    await received;
    const { n, p50, p95, p99 } = percentiles(hops);
    return { n, p50: round(p50, 3), p95: round(p95, 3), p99: round(p99, 3) };
  } finally {
    client.close();
    server.close();
  }
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "oam-bus-hop-"));
  try {
    const ipc = { pubEndpoint: `ipc://${dir}/pub.sock`, ackEndpoint: `ipc://${dir}/ack.sock` };
    // Ports free right now (a random pick once collided with an outgoing connection's port), fresh
    // for each measurement: rebinding the port a just-closed socket had failed with EADDRINUSE.
    const tcp = async (): Promise<BusEndpoints> => {
      const pub = await freePort();
      let ack = await freePort();
      while (ack === pub) ack = await freePort();
      return { pubEndpoint: `tcp://127.0.0.1:${pub}`, ackEndpoint: `tcp://127.0.0.1:${ack}` };
    };
    const result: BusHopReport = {
      "ipc, 50 msg/s": await measure(ipc, 1),
      "ipc, bursts of 10": await measure(ipc, 10),
      "tcp, 50 msg/s": await measure(await tcp(), 1),
      "tcp, bursts of 10": await measure(await tcp(), 10),
    };
    process.send?.(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
