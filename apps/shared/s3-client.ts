// The S3 client built from the config; the SDK's default credential chain applies, the endpoint
// comes from AWS_ENDPOINT_URL(_S3) and path-style addressing from OAM_S3_FORCE_PATH_STYLE. Imported
// from this file, not the shared index, so an app that does not use S3 does not load its SDK.
import { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "./config";

export function createS3Client(config: Config): S3Client {
  return new S3Client({
    region: config.aws.region,
    endpoint: config.aws.s3Endpoint,
    forcePathStyle: config.aws.forcePathStyle,
    requestHandler: { requestTimeout: 30_000, connectionTimeout: 5000 },
  });
}
