// The ZeroMQ bus between the poller and the consumers.
//
//   poller  --XPUB [topic, envelope, ...]-->  SUB  status-writer, catalog-notifier
//   poller  <--PULL [ack, ...]---------------  PUSH status-writer, catalog-notifier
//
// A message carries one or more envelopes of one topic (or one or more acks): what is sent in one
// turn of the event loop goes out together. Subscribers still filter by topic prefix.
//
// PUB/SUB drops what nobody is subscribed to yet, so delivery is made reliable above it: a consumer
// acks once its work is durable, and the poller republishes whatever is not acked in time, and at
// once to a (re)joining subscriber, which the XPUB socket announces by passing its subscription up.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Pull, Push, Subscriber, XPublisher, type Socket } from "zeromq";
import type { StatusMessage } from "../domain/message";
import { ACK_LINGER_MS } from "../runtime/stop-budget";
import { deferred } from "../util/deferred";

export const TOPIC_ALL = "status.";
export const TOPIC_MOSAIC_FINISHED = "status.mosaic.FINISHED";

/**
 * The routing table: each consumer and the topic prefix it subscribes to. Both what a consumer
 * subscribes to and which acks the poller waits for before deleting a message come from here, so
 * the two cannot disagree.
 */
export const ROUTES = {
  "status-writer": TOPIC_ALL,
  "catalog-notifier": TOPIC_MOSAIC_FINISHED,
} as const;

export type ConsumerName = keyof typeof ROUTES;

export interface Envelope {
  messageId: string;
  sentTimestamp: number;
  receiveCount: number;
  /** When the poller received it from SQS (ms since epoch). */
  receivedAt: number;
  /** When the poller (re)published it (ms since epoch). */
  publishedAt: number;
  /** When this consumer took it off the bus (set locally, never sent). */
  arrivedAt?: number;
  body: StatusMessage;
}

export interface Ack {
  consumer: ConsumerName;
  messageId: string;
}

/**
 * Wall-clock time in fractional ms, for the bus hop figures (a hop is well under Date.now()'s 1 ms
 * step). Both ends derive it from their process's start time and monotonic clock, so it is exact
 * enough across processes for a latency figure, not for ordering (ordering uses SQS SentTimestamp).
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function topicFor(body: Pick<StatusMessage, "stage" | "status">): string {
  return `status.${body.stage}.${body.status}`;
}

/** The consumers that must ack a message before the poller may delete it from SQS: those whose route takes its topic. */
export function requiredConsumers(body: Pick<StatusMessage, "stage" | "status">): ConsumerName[] {
  const topic = topicFor(body);
  return (Object.keys(ROUTES) as ConsumerName[]).filter((c) => topic.startsWith(ROUTES[c]));
}

export interface BusEndpoints {
  pubEndpoint: string;
  ackEndpoint: string;
}

function ensureIpcDir(endpoint: string): void {
  if (endpoint.startsWith("ipc://")) mkdirSync(path.dirname(endpoint.slice("ipc://".length)), { recursive: true });
}

/** zeromq.js allows one send at a time per socket: queue them. */
class SerialSender {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly socket: Socket & { send(frames: Array<string | Buffer>): Promise<void> }) {}
  send(frames: Array<string | Buffer>): Promise<void> {
    const next = this.chain.then(() => this.socket.send(frames));
    this.chain = next.catch(() => undefined);
    return next;
  }
}

const MAX_FRAMES_PER_MESSAGE = 100;

/**
 * Gathers the frames sent during one turn of the event loop into one multipart message per topic,
 * `[topic, frame, frame, ...]` (or `[frame, frame, ...]` without a topic), sent on the next turn.
 * One socket send per burst instead of one per envelope or ack, since a burst (a receive of 10, a
 * batch of S3 answers) arrives in one turn and per-frame sends were a visible share of the CPU
 * (docs/performance.md has the figures).
 */
class FrameBatcher {
  private pending = new Map<string, { frames: string[]; sent: Promise<void>; release: () => void }>();
  private scheduled = false;

  constructor(
    private readonly sender: SerialSender,
    private readonly withTopic: boolean,
  ) {}

  add(topic: string, frame: string): Promise<void> {
    let batch = this.pending.get(topic);
    if (!batch || batch.frames.length >= MAX_FRAMES_PER_MESSAGE) {
      if (batch) this.flushOne(topic, batch);
      const gate = deferred();
      const frames: string[] = [];
      const sent = gate.promise.then(() => this.sender.send(this.withTopic ? [topic, ...frames] : frames));
      batch = { frames, sent, release: () => gate.resolve() };
      this.pending.set(topic, batch);
    }
    batch.frames.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.sent;
  }

  private flushOne(topic: string, batch: { release: () => void }): void {
    this.pending.delete(topic);
    batch.release();
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const batch of batches.values()) batch.release();
  }
}

/** The poller's side: publishes envelopes, receives acks and subscription announcements. */
export class BusServer {
  private readonly pub = new XPublisher({ linger: 0, sendHighWaterMark: 100_000, verbosity: "allSubs" });
  private readonly pull = new Pull({ linger: 0, receiveHighWaterMark: 100_000 });
  private readonly batcher = new FrameBatcher(new SerialSender(this.pub), true);

  constructor(private readonly endpoints: BusEndpoints) {}

  async start(): Promise<void> {
    ensureIpcDir(this.endpoints.pubEndpoint);
    ensureIpcDir(this.endpoints.ackEndpoint);
    await this.pub.bind(this.endpoints.pubEndpoint);
    await this.pull.bind(this.endpoints.ackEndpoint);
  }

  /**
   * Sends the envelope to every subscriber of its topic, stamped with the time it went out. The
   * envelopes published in one turn go out together, one message per topic (FrameBatcher).
   */
  publish(envelope: Envelope): Promise<void> {
    return this.batcher.add(topicFor(envelope.body), JSON.stringify({ ...envelope, publishedAt: preciseNow() }));
  }

  /** Acks as they arrive; ends when the bus is closed. Malformed frames are skipped. */
  async *acks(): AsyncGenerator<Ack> {
    try {
      for await (const frames of this.pull) {
        for (const frame of frames) {
          try {
            const ack = JSON.parse(frame.toString()) as Ack;
            if (typeof ack.messageId === "string" && typeof ack.consumer === "string") yield ack;
          } catch {
            // not an ack: ignore
          }
        }
      }
    } catch (err) {
      if (!this.pull.closed) throw err;
    }
  }

  /** Topics subscribed to (again); ends when the bus is closed. */
  async *subscriptions(): AsyncGenerator<string> {
    try {
      for await (const [frame] of this.pub) {
        if (frame[0] === 1) yield frame.subarray(1).toString();
      }
    } catch (err) {
      if (!this.pub.closed) throw err;
    }
  }

  close(): void {
    this.pub.close();
    this.pull.close();
  }
}

/** A consumer's side: receives envelopes on its topics, sends acks. */
export class BusClient {
  private readonly sub = new Subscriber({ linger: 0, receiveHighWaterMark: 100_000 });
  // linger lets acks queued at stop still reach the poller (the stop budget's ACK_LINGER_MS).
  private readonly push = new Push({ linger: ACK_LINGER_MS, sendHighWaterMark: 100_000 });
  private readonly batcher = new FrameBatcher(new SerialSender(this.push), false);

  constructor(
    private readonly endpoints: BusEndpoints,
    private readonly consumer: ConsumerName,
    private readonly topics: string[] = [ROUTES[consumer]],
  ) {}

  start(): void {
    ensureIpcDir(this.endpoints.pubEndpoint);
    this.sub.connect(this.endpoints.pubEndpoint);
    this.sub.subscribe(...this.topics);
    this.push.connect(this.endpoints.ackEndpoint);
  }

  /** Envelopes as they arrive; ends when the bus is closed. */
  async *envelopes(): AsyncGenerator<Envelope> {
    try {
      for await (const [, ...payloads] of this.sub) {
        const arrivedAt = preciseNow();
        for (const payload of payloads) {
          try {
            const envelope = JSON.parse(payload.toString()) as Envelope;
            envelope.arrivedAt = arrivedAt;
            yield envelope;
          } catch {
            // the poller only publishes JSON: ignore anything else
          }
        }
      }
    } catch (err) {
      if (!this.sub.closed) throw err;
    }
  }

  /** Acks sent in one turn go out as one message (FrameBatcher). */
  ack(messageId: string): Promise<void> {
    const ack: Ack = { consumer: this.consumer, messageId };
    return this.batcher.add("", JSON.stringify(ack));
  }

  /** Stops receiving at once; queued acks still go out within the linger period. */
  closeIntake(): void {
    if (!this.sub.closed) this.sub.close();
  }

  close(): void {
    this.closeIntake();
    if (!this.push.closed) this.push.close();
  }
}
