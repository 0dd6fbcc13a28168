// The SQS client built from the config; the SDK's default credential chain applies, the endpoint
// comes from AWS_ENDPOINT_URL(_SQS). Imported from this file, not the shared index, so an app that
// does not use SQS does not load its SDK.
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsConfig } from "../runtime/config";

/** `longPollSeconds`: the longest WaitTimeSeconds this client's receives ask for (0: it does not receive). */
export function createSqsClient(aws: AwsConfig, longPollSeconds = 0): SQSClient {
  return new SQSClient({
    region: aws.region,
    endpoint: aws.sqsEndpoint,
    // A long poll holds the request open for WaitTimeSeconds: the timeout must outlast it.
    requestHandler: { requestTimeout: (longPollSeconds + 10) * 1000, connectionTimeout: 5000 },
  });
}
