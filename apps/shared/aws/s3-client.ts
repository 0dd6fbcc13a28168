// The S3 client built from the config; the SDK's default credential chain applies, the endpoint
// comes from AWS_ENDPOINT_URL(_S3) and path-style addressing from OAM_S3_FORCE_PATH_STYLE. Imported
// from this file, not the shared index, so an app that does not use S3 does not load its SDK.
import { S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { AwsConfig } from "../runtime/config";
import type { ObjectAcl } from "./object-acl";

export function createS3Client(config: { aws: AwsConfig; s3Acl?: ObjectAcl }): S3Client {
  const client = new S3Client({
    region: config.aws.region,
    endpoint: config.aws.s3Endpoint,
    forcePathStyle: config.aws.forcePathStyle,
    requestHandler: { requestTimeout: 30_000, connectionTimeout: 5000 },
  });
  if (config.s3Acl) sendObjectAcl(client, config.s3Acl);
  return client;
}

/**
 * Every PutObject this client sends carries `acl` (OAM_S3_ACL, see object-acl.ts), unless the
 * command names its own: one place for the rule, whichever part of the suite writes the object.
 */
export function sendObjectAcl(client: S3Client, acl: ObjectAcl): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutObjectCommand") {
        const input = args.input as PutObjectCommandInput;
        input.ACL ??= acl;
      }
      return next(args);
    },
    { step: "initialize", name: "oamObjectAcl" },
  );
}
