// Counts the requests an AWS SDK client sends, by command name (PutObjectCommand, ...), with a
// middleware on the client itself: tests see how many S3 calls a piece of work took.
import type { S3Client } from "@aws-sdk/client-s3";

export function countRequests(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
  return counts;
}
