// The typical single process: sqs-consumer with handleMessageBatch, the same work per message.
import { SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { Consumer } from "sqs-consumer";
import { doWork } from "./work";

const [queueUrl, sqsEndpoint, s3Endpoint, bucket, prefix, catalogUrl] = process.argv.slice(2);
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const s3 = new S3Client({ region: "us-east-1", endpoint: s3Endpoint, credentials, forcePathStyle: true });
let done = 0;
const consumer = Consumer.create({
  queueUrl,
  sqs: new SQSClient({ region: "us-east-1", endpoint: sqsEndpoint, credentials }),
  batchSize: 10,
  waitTimeSeconds: 1,
  handleMessageBatch: async (messages) => {
    await Promise.all(messages.map((m) => doWork(s3, bucket, prefix, catalogUrl, m.Body ?? "")));
    done += messages.length;
    return messages;
  },
});
let idle = 0;
consumer.on("empty", () => {
  if (++idle >= 2) {
    consumer.stop();
    process.send?.({ done, maxRssMb: process.resourceUsage().maxRSS / 1024 });
    process.exit(0);
  }
});
consumer.on("message_processed", () => (idle = 0));
consumer.start();
