// `oam-status send [file.jsonl | -]`: one message per non-blank line, sent as is (invalid lines too,
// so the suite's quarantine can be tried), 10 per SendMessageBatch.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

export async function sendLines(sqs: SQSClient, queueUrl: string, source: string): Promise<{ sent: number; failed: number }> {
  const input = source === "-" ? process.stdin : createReadStream(source, "utf8");
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: string[] = [];
  let sent = 0;
  let failed = 0;
  const flush = async () => {
    if (!batch.length) return;
    const res = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((body, i) => ({ Id: String(i), MessageBody: body })) }),
    );
    sent += res.Successful?.length ?? 0;
    for (const f of res.Failed ?? []) {
      failed++;
      console.error(`line not sent: ${f.Code} ${f.Message ?? ""}`);
    }
    batch = [];
  };
  for await (const line of lines) {
    if (!line.trim()) continue;
    batch.push(line);
    if (batch.length === 10) await flush();
  }
  await flush();
  return { sent, failed };
}
