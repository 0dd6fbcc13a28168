// The poller's table of messages published on the bus and not yet acked by every required consumer.
import { describe, expect, it } from "vitest";
import { InFlightTable } from "../../apps/poller/in-flight";
import { TOPIC_ALL, TOPIC_MOSAIC_FINISHED, requiredConsumers, type Envelope } from "../../apps/shared/bus/bus";
import type { StatusMessage } from "../../apps/shared/domain/message";

const T0 = 1_700_000_000_000;

function envelope(
  messageId: string,
  body: Partial<StatusMessage> & Pick<StatusMessage, "stage" | "status">,
  times: { receivedAt?: number; publishedAt?: number } = {},
): Envelope {
  const full = { jobId: "job-1", ...body } as StatusMessage;
  if (full.stage === "mosaic" && full.status === "FINISHED") {
    full.target ??= "s3://oam-tiles/job-1";
    full.images ??= ["http://b.s3.amazonaws.com/i.tif"];
  }
  return {
    messageId,
    sentTimestamp: T0,
    receiveCount: 1,
    receivedAt: times.receivedAt ?? T0,
    publishedAt: times.publishedAt ?? times.receivedAt ?? T0,
    body: full,
  };
}

const chunkStarted = (id: string, t: { receivedAt?: number; publishedAt?: number } = {}) =>
  envelope(id, { stage: "chunk", status: "STARTED" }, t);
const mosaicFinished = (id: string, t: { receivedAt?: number; publishedAt?: number } = {}) =>
  envelope(id, { stage: "mosaic", status: "FINISHED" }, t);

function addAuto(table: InFlightTable, env: Envelope, visibleAt = T0 + 60_000) {
  return table.add(env, `rh-${env.messageId}`, requiredConsumers(env.body), visibleAt);
}

describe("requiredConsumers", () => {
  it("is the status-writer alone for everything but mosaic FINISHED", () => {
    for (const [stage, status] of [
      ["chunk", "STARTED"],
      ["chunk", "FAILED"],
      ["chunk", "FINISHED"],
      ["mosaic", "STARTED"],
      ["mosaic", "FAILED"],
    ] as const) {
      expect(requiredConsumers({ stage, status })).toEqual(["status-writer"]);
    }
  });

  it("is the status-writer and the catalog-notifier for mosaic FINISHED", () => {
    expect([...requiredConsumers({ stage: "mosaic", status: "FINISHED" })].sort()).toEqual(["catalog-notifier", "status-writer"]);
  });
});

describe("InFlightTable.add", () => {
  it("records the entry with its topic, receipt handle, required consumers and times", () => {
    const table = new InFlightTable();
    const env = mosaicFinished("m1", { receivedAt: T0, publishedAt: T0 + 5 });
    const entry = table.add(env, "receipt-1", requiredConsumers(env.body), T0 + 30_000);
    expect(table.size).toBe(1);
    expect(table.get("m1")).toBe(entry);
    expect(entry.envelope).toBe(env);
    expect(entry.topic).toBe("status.mosaic.FINISHED");
    expect(entry.receiptHandle).toBe("receipt-1");
    expect([...entry.required].sort()).toEqual(["catalog-notifier", "status-writer"]);
    expect(entry.acked.size).toBe(0);
    expect(entry.lastPublishedAt).toBe(T0 + 5);
    expect(entry.publishCount).toBe(1);
    expect(entry.visibleAt).toBe(T0 + 30_000);
  });

  it("uses the bus topic for each stage and status", () => {
    const table = new InFlightTable();
    expect(addAuto(table, envelope("a", { stage: "chunk", status: "FAILED" })).topic).toBe("status.chunk.FAILED");
    expect(addAuto(table, envelope("b", { stage: "mosaic", status: "STARTED" })).topic).toBe("status.mosaic.STARTED");
  });

  it("adding the same message id again replaces the entry", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1"));
    const again = table.add(chunkStarted("m1"), "receipt-2", ["status-writer"], T0);
    expect(table.size).toBe(1);
    expect(table.get("m1")).toBe(again);
    expect(table.get("m1")!.receiptHandle).toBe("receipt-2");
  });

  it("get of an unknown id is undefined", () => {
    expect(new InFlightTable().get("nope")).toBeUndefined();
  });
});

describe("InFlightTable.ack", () => {
  it("a status-writer-only message completes on the status-writer's ack", () => {
    const table = new InFlightTable();
    const entry = addAuto(table, chunkStarted("m1"));
    const done = table.ack("status-writer", "m1");
    expect(done).toBe(entry);
    expect(done!.acked.has("status-writer")).toBe(true);
    expect(table.size).toBe(0);
    expect(table.get("m1")).toBeUndefined();
  });

  it("mosaic FINISHED completes only when both the status-writer and the catalog-notifier acked", () => {
    const table = new InFlightTable();
    const entry = addAuto(table, mosaicFinished("m1"));
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.get("m1")!.acked.has("status-writer")).toBe(true);
    expect(table.ack("catalog-notifier", "m1")).toBe(entry);
    expect(table.size).toBe(0);
  });

  it("mosaic FINISHED acks may arrive in either order", () => {
    const table = new InFlightTable();
    addAuto(table, mosaicFinished("m1"));
    expect(table.ack("catalog-notifier", "m1")).toBeUndefined();
    expect(table.ack("status-writer", "m1")).toBeDefined();
    expect(table.size).toBe(0);
  });

  it("a repeated ack from the same consumer does not count twice", () => {
    const table = new InFlightTable();
    addAuto(table, mosaicFinished("m1"));
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.get("m1")!.acked.size).toBe(1);
  });

  it("an ack from a consumer that is not required is ignored", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1"));
    expect(table.ack("catalog-notifier", "m1")).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.get("m1")!.acked.size).toBe(0);
    // and does not stand in for the status-writer's ack
    expect(table.ack("status-writer", "m1")).toBeDefined();
  });

  it("an ack for an unknown id is ignored and leaves other entries alone", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1"));
    expect(table.ack("status-writer", "unknown")).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.get("m1")!.acked.size).toBe(0);
  });

  it("an ack after completion is ignored", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1"));
    expect(table.ack("status-writer", "m1")).toBeDefined();
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it("acks only affect their own message", () => {
    const table = new InFlightTable();
    addAuto(table, mosaicFinished("m1"));
    addAuto(table, mosaicFinished("m2"));
    table.ack("status-writer", "m1");
    table.ack("catalog-notifier", "m2");
    expect(table.size).toBe(2);
    expect([...table.get("m1")!.acked]).toEqual(["status-writer"]);
    expect([...table.get("m2")!.acked]).toEqual(["catalog-notifier"]);
  });

  it("remove forgets an entry so later acks are ignored", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1"));
    table.remove("m1");
    expect(table.size).toBe(0);
    expect(table.ack("status-writer", "m1")).toBeUndefined();
    table.remove("never-added");
    expect(table.size).toBe(0);
  });
});

describe("InFlightTable.overdue", () => {
  it("lists entries published at least ackTimeoutMs ago", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("old", { publishedAt: T0 }));
    addAuto(table, chunkStarted("edge", { publishedAt: T0 + 5_000 }));
    addAuto(table, chunkStarted("new", { publishedAt: T0 + 9_000 }));
    const ids = (now: number, timeout: number) =>
      table
        .overdue(now, timeout)
        .map((e) => e.envelope.messageId)
        .sort();
    expect(ids(T0 + 15_000, 10_000)).toEqual(["edge", "old"]);
    expect(ids(T0 + 14_999, 10_000)).toEqual(["old"]);
    expect(ids(T0 + 9_999, 10_000)).toEqual([]);
    expect(ids(T0 + 30_000, 10_000)).toEqual(["edge", "new", "old"]);
  });

  it("counts from the last (re)publication, not from the first", () => {
    const table = new InFlightTable();
    const entry = addAuto(table, chunkStarted("m1", { publishedAt: T0 }));
    expect(table.overdue(T0 + 10_000, 10_000)).toEqual([entry]);
    entry.lastPublishedAt = T0 + 10_000;
    entry.publishCount += 1;
    expect(table.overdue(T0 + 15_000, 10_000)).toEqual([]);
    expect(table.overdue(T0 + 20_000, 10_000)).toEqual([entry]);
  });

  it("does not list completed entries", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("m1", { publishedAt: T0 }));
    table.ack("status-writer", "m1");
    expect(table.overdue(T0 + 60_000, 1_000)).toEqual([]);
  });
});

describe("InFlightTable.matching", () => {
  it("lists entries a subscription to the prefix would receive", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("c1"));
    addAuto(table, envelope("c2", { stage: "chunk", status: "FAILED" }));
    addAuto(table, mosaicFinished("m1"));
    addAuto(table, envelope("m2", { stage: "mosaic", status: "STARTED" }));
    const ids = (prefix: string) =>
      table
        .matching(prefix)
        .map((e) => e.envelope.messageId)
        .sort();
    expect(ids(TOPIC_ALL)).toEqual(["c1", "c2", "m1", "m2"]);
    expect(ids(TOPIC_MOSAIC_FINISHED)).toEqual(["m1"]);
    expect(ids("status.mosaic.")).toEqual(["m1", "m2"]);
    expect(ids("status.chunk.")).toEqual(["c1", "c2"]);
    expect(ids("")).toEqual(["c1", "c2", "m1", "m2"]);
    expect(ids("other.")).toEqual([]);
  });

  it("no longer lists an entry once it completed", () => {
    const table = new InFlightTable();
    addAuto(table, mosaicFinished("m1"));
    table.ack("status-writer", "m1");
    expect(table.matching(TOPIC_MOSAIC_FINISHED)).toHaveLength(1);
    table.ack("catalog-notifier", "m1");
    expect(table.matching(TOPIC_MOSAIC_FINISHED)).toHaveLength(0);
  });
});

describe("InFlightTable.expiring", () => {
  it("lists entries whose invisibility ends within the margin (or already ended)", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("past"), T0 - 1_000);
    addAuto(table, chunkStarted("soon"), T0 + 5_000);
    addAuto(table, chunkStarted("edge"), T0 + 10_000);
    addAuto(table, chunkStarted("later"), T0 + 10_001);
    const ids = table
      .expiring(T0, 10_000)
      .map((e) => e.envelope.messageId)
      .sort();
    expect(ids).toEqual(["edge", "past", "soon"]);
    expect(table.expiring(T0, 0).map((e) => e.envelope.messageId)).toEqual(["past"]);
  });

  it("a heartbeat that moves visibleAt takes the entry off the list", () => {
    const table = new InFlightTable();
    const entry = addAuto(table, chunkStarted("m1"), T0 + 1_000);
    expect(table.expiring(T0, 5_000)).toEqual([entry]);
    entry.visibleAt = T0 + 60_000;
    expect(table.expiring(T0, 5_000)).toEqual([]);
  });
});

describe("InFlightTable.oldestAgeMs / all", () => {
  it("is 0 for an empty table", () => {
    expect(new InFlightTable().oldestAgeMs(T0)).toBe(0);
  });

  it("is the age of the earliest received entry", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("a", { receivedAt: T0 + 3_000 }));
    addAuto(table, chunkStarted("b", { receivedAt: T0 + 1_000 }));
    addAuto(table, chunkStarted("c", { receivedAt: T0 + 2_000 }));
    expect(table.oldestAgeMs(T0 + 10_000)).toBe(9_000);
    table.ack("status-writer", "b");
    expect(table.oldestAgeMs(T0 + 10_000)).toBe(8_000);
  });

  it("uses the receive time, not the last publication", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("a", { receivedAt: T0, publishedAt: T0 + 5_000 }));
    expect(table.oldestAgeMs(T0 + 6_000)).toBe(6_000);
  });

  it("all() lists every pending entry", () => {
    const table = new InFlightTable();
    addAuto(table, chunkStarted("a"));
    addAuto(table, mosaicFinished("b"));
    expect(
      table
        .all()
        .map((e) => e.envelope.messageId)
        .sort(),
    ).toEqual(["a", "b"]);
    table.ack("status-writer", "a");
    expect(table.all().map((e) => e.envelope.messageId)).toEqual(["b"]);
  });
});
