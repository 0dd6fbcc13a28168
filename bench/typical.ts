// The typical single process: sqs-consumer with handleMessageBatch, the same work per message, as
// many consumers as the floor has loops (each consumer polls one receive at a time). Exits when
// every consumer has found the queue empty twice in a row.
import { SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { Consumer } from "sqs-consumer";
import { doWork } from "./work";

const [queueUrl, sqsEndpoint, s3Endpoint, bucket, prefix, catalogUrl, consumersArg] = process.argv.slice(2);
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const sqs = new SQSClient({ region: "us-east-1", endpoint: sqsEndpoint, credentials });
const s3 = new S3Client({ region: "us-east-1", endpoint: s3Endpoint, credentials, forcePathStyle: true });
const consumers = Array.from({ length: Number(consumersArg) || 4 }, () => {
  let empties = 0;
  const consumer = Consumer.create({
    queueUrl,
    sqs,
    batchSize: 10,
    waitTimeSeconds: 1,
    handleMessageBatch: async (messages) => {
      empties = 0;
      await Promise.all(messages.map((m) => doWork(s3, bucket, prefix, catalogUrl, m.Body ?? "")));
      return messages;
    },
  });
  consumer.on("empty", () => {
    empties++;
    if (consumers.every((c) => c.empties() >= 2)) {
      consumers.forEach((c) => c.consumer.stop());
      process.exit(0);
    }
  });
  return { consumer, empties: () => empties };
});
consumers.forEach((c) => c.consumer.start());
