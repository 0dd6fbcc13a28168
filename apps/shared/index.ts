// What the apps share. The AWS SDK clients (s3-client, sqs-client) and the pm2 metrics (metrics)
// are imported from their own files, so each app loads only what it uses.
export * from "./aws-errors";
export * from "./bus";
export * from "./catalog-payload";
export * from "./config";
export * from "./errors";
export * from "./keys";
export * from "./logger";
export * from "./lru";
export * from "./message";
export * from "./retry";
export * from "./run-app";
export * from "./status-document";
export * from "./consumer";
export * from "./keyed-queue";
export * from "./version";
