// The SQS client built from the config; the SDK's default credential chain applies, the endpoint
// comes from AWS_ENDPOINT_URL(_SQS). Imported from this file, not the shared index, so an app that
// does not use SQS does not load its SDK.
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Config } from "../runtime/config";

export function createSqsClient(config: Config): SQSClient {
  return new SQSClient({
    region: config.aws.region,
    endpoint: config.aws.sqsEndpoint,
    // A long poll holds the request open for WaitTimeSeconds: the timeout must outlast it.
    requestHandler: { requestTimeout: (config.sqs.waitSeconds + 10) * 1000, connectionTimeout: 5000 },
  });
}
