// The floor: one process, a tight SDK loop (receive 10, write each document, delete the batch),
// several loops in parallel, none of the suite's guarantees. Exits when the queue stays empty.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { doWork } from "./work";

const [queueUrl, sqsEndpoint, s3Endpoint, bucket, prefix, catalogUrl, loopsArg] = process.argv.slice(2);
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const sqs = new SQSClient({ region: "us-east-1", endpoint: sqsEndpoint, credentials });
const s3 = new S3Client({ region: "us-east-1", endpoint: s3Endpoint, credentials, forcePathStyle: true });

async function loop(): Promise<void> {
  let empty = 0;
  while (empty < 2) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const msgs = res.Messages ?? [];
    if (!msgs.length) {
      empty++;
      continue;
    }
    empty = 0;
    await Promise.all(msgs.map((m) => doWork(s3, bucket, prefix, catalogUrl, m.Body ?? "")));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

Promise.all(Array.from({ length: Number(loopsArg) || 4 }, loop)).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
