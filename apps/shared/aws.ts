// AWS clients built from the config. The SDK's default credential chain applies; endpoints come
// from AWS_ENDPOINT_URL(_SQS|_S3) and path-style S3 from OAM_S3_FORCE_PATH_STYLE.
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Config } from "./config";

export function createSqsClient(config: Config): SQSClient {
  return new SQSClient({
    region: config.aws.region,
    endpoint: config.aws.sqsEndpoint,
    // A long poll holds the request open for WaitTimeSeconds: the timeout must outlast it.
    requestHandler: { requestTimeout: (config.sqs.waitSeconds + 10) * 1000, connectionTimeout: 5000 },
  });
}

export function createS3Client(config: Config): S3Client {
  return new S3Client({
    region: config.aws.region,
    endpoint: config.aws.s3Endpoint,
    forcePathStyle: config.aws.forcePathStyle,
    requestHandler: { requestTimeout: 30_000, connectionTimeout: 5000 },
  });
}

/** S3 answered that a conditional write lost to another writer. */
export function isPreconditionFailure(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "PreconditionFailed" || e?.name === "ConditionalRequestConflict" || e?.$metadata?.httpStatusCode === 412 || e?.$metadata?.httpStatusCode === 409;
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}
