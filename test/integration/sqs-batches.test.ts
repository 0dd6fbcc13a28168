// The poller's batched deletes on the local SQS server: acks that come while a request is out
// gather into full batches; a lone ack on a quiet poller goes at once.
import { ReceiveMessageCommand, SendMessageBatchCommand, type Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchDeleter } from "../../apps/poller/sqs-batches";
import { createLogger } from "../../apps/shared/runtime/logger";
import { startLocalSqs, type LocalSqs } from "../support/local-servers";
import { waitFor } from "../support/wait";

const logger = createLogger("sqs-batches-test", { silent: true });

describe("BatchDeleter", () => {
  let sqs: LocalSqs;
  let q = 0;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });

  async function queueWith(n: number): Promise<{ queueUrl: string; messages: Message[] }> {
    const queueUrl = await sqs.createQueue(`batches-${++q}`);
    for (let i = 0; i < n; i += 10) {
      const ids = Array.from({ length: Math.min(10, n - i) }, (_, j) => String(i + j));
      await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: ids.map((id) => ({ Id: id, MessageBody: `{"n":${id}}` })) }));
    }
    const messages: Message[] = [];
    await waitFor(
      async () => {
        const res = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }));
        messages.push(...(res.Messages ?? []));
        return messages.length >= n;
      },
      { what: `${n} messages received`, timeoutMs: 10_000, intervalMs: 10 },
    );
    return { queueUrl, messages };
  }

  it("gathers acks that arrive while a request is out into full batches", async () => {
    const { queueUrl, messages } = await queueWith(25);
    const deleter = new BatchDeleter(sqs.client, queueUrl, logger);
    for (const m of messages) deleter.enqueue(m.MessageId!, m.ReceiptHandle!);
    await deleter.drain();
    expect(deleter.deleted).toBe(25);
    expect(deleter.failed).toBe(0);
    // The first ack alone (nothing was out), two full batches, then the 4 left once all are back.
    // Sent as they came, it took 7 requests: 4 of one message, then 10, 10 and 1.
    expect(deleter.calls).toBe(4);
    expect(await sqs.depth(queueUrl)).toBe(0);
  });

  it("sends a lone ack at once when no request is out", async () => {
    const { queueUrl, messages } = await queueWith(2);
    const deleter = new BatchDeleter(sqs.client, queueUrl, logger);
    deleter.enqueue(messages[0].MessageId!, messages[0].ReceiptHandle!);
    await deleter.drain();
    expect(deleter.calls).toBe(1);
    deleter.enqueue(messages[1].MessageId!, messages[1].ReceiptHandle!);
    await deleter.drain();
    expect(deleter.calls).toBe(2);
    expect(deleter.deleted).toBe(2);
    expect(await sqs.depth(queueUrl)).toBe(0);
  });
});
