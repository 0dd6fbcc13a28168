// `oam-status ping`: sends the seed's {"test": true} with an id and waits for the poller's answer in
// its log (LOG_DIR/poller.out.log), reporting the round trip.
import { randomUUID } from "node:crypto";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sleep } from "../shared/util/retry";
import { EVENT } from "../shared/runtime/names";

export async function ping(sqs: SQSClient, queueUrl: string, logDir: string, timeoutMs: number): Promise<{ pingId: string; roundTripMs: number }> {
  const logFile = path.join(logDir, "poller.out.log");
  const from = await stat(logFile).then((s) => s.size, () => 0);
  const pingId = randomUUID();
  const started = Date.now();
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ test: true, pingId, sentAt: new Date(started).toISOString() }) }));
  while (Date.now() - started < timeoutMs) {
    // The poller's answer: its message.test line, which carries the ping's body.
    const found = await readFrom(logFile, from).then(
      (text) => text.split("\n").some((line) => line.includes(`"event":"${EVENT.messageTest}"`) && line.includes(pingId)),
      () => false,
    );
    if (found) return { pingId, roundTripMs: Date.now() - started };
    await sleep(100);
  }
  throw new Error(`no answer from the poller within ${timeoutMs} ms (looked in ${logFile}); is it running and polling ${queueUrl}?`);
}

async function readFrom(file: string, offset: number): Promise<string> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    // The log may have been rotated (truncated) since: read from the start then.
    const start = size < offset ? 0 : offset;
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    return buf.toString("utf8");
  } finally {
    await fh.close();
  }
}
