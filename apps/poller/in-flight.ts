// Messages published on the bus and not yet acked by every consumer that must handle them.
import type { ConsumerName, Envelope } from "../shared/bus/bus";
import { topicFor } from "../shared/bus/bus";

export interface InFlightEntry {
  envelope: Envelope;
  topic: string;
  receiptHandle: string;
  required: Set<ConsumerName>;
  acked: Set<ConsumerName>;
  /** When it was last (re)published: the ack deadline counts from here. */
  lastPublishedAt: number;
  publishCount: number;
  /** Until when SQS keeps it invisible, as far as we asked. */
  visibleAt: number;
}

export class InFlightTable {
  private readonly entries = new Map<string, InFlightEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(messageId: string): InFlightEntry | undefined {
    return this.entries.get(messageId);
  }

  add(envelope: Envelope, receiptHandle: string, required: ConsumerName[], visibleAt: number): InFlightEntry {
    const entry: InFlightEntry = {
      envelope,
      topic: topicFor(envelope.body),
      receiptHandle,
      required: new Set(required),
      acked: new Set(),
      lastPublishedAt: envelope.publishedAt,
      publishCount: 1,
      visibleAt,
    };
    this.entries.set(envelope.messageId, entry);
    return entry;
  }

  /** Records an ack; returns the entry (and forgets it) when every required consumer has acked. */
  ack(consumer: ConsumerName, messageId: string): InFlightEntry | undefined {
    const entry = this.entries.get(messageId);
    if (!entry || !entry.required.has(consumer)) return undefined;
    entry.acked.add(consumer);
    if (entry.acked.size < entry.required.size) return undefined;
    this.entries.delete(messageId);
    return entry;
  }

  remove(messageId: string): void {
    this.entries.delete(messageId);
  }

  /** Entries still waiting for an ack published longer ago than the deadline. */
  overdue(now: number, ackTimeoutMs: number): InFlightEntry[] {
    return [...this.entries.values()].filter((e) => now - e.lastPublishedAt >= ackTimeoutMs);
  }

  /** Entries on topics a new subscription to `prefix` receives, still missing an ack. */
  matching(prefix: string): InFlightEntry[] {
    return [...this.entries.values()].filter((e) => e.topic.startsWith(prefix));
  }

  /** Entries whose invisibility ends within `marginMs`. */
  expiring(now: number, marginMs: number): InFlightEntry[] {
    return [...this.entries.values()].filter((e) => e.visibleAt - now <= marginMs);
  }

  all(): InFlightEntry[] {
    return [...this.entries.values()];
  }

  oldestAgeMs(now: number): number {
    let oldest = now;
    for (const e of this.entries.values()) oldest = Math.min(oldest, e.envelope.receivedAt);
    return now - oldest;
  }
}
