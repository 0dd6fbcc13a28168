// Settings of the local profile's stand-in servers, derived from the same variables the suite
// uses, so the queue URL and S3 endpoint are written in one place (config/local.env).
import path from "node:path";
import { ConfigError } from "../apps/shared/util/errors";

function urlOf(name: string, value: string | undefined): URL {
  if (!value) throw new ConfigError(name, "is required by the local profile");
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(name, "must be a URL");
  }
}

export interface LocalSqsSettings {
  hostname: string;
  port: number;
  queueName: string;
}

export function localSqsSettings(env: NodeJS.ProcessEnv = process.env): LocalSqsSettings {
  const url = urlOf("OAM_STATUS_SQS_QUEUE_URL", env.OAM_STATUS_SQS_QUEUE_URL);
  const queueName = url.pathname.split("/").filter(Boolean).pop();
  if (!queueName) throw new ConfigError("OAM_STATUS_SQS_QUEUE_URL", "must end with the queue name");
  return { hostname: url.hostname, port: Number(url.port || 80), queueName };
}

const OWNERSHIPS = ["ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"] as const;

export interface LocalS3Settings {
  hostname: string;
  port: number;
  bucket: string;
  directory: string;
  /** The bucket's Object Ownership: BucketOwnerEnforced refuses every ACL but bucket-owner-full-control. */
  objectOwnership: (typeof OWNERSHIPS)[number];
}

export function localS3Settings(env: NodeJS.ProcessEnv = process.env): LocalS3Settings {
  const url = urlOf("AWS_ENDPOINT_URL_S3", env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  if (!env.OAM_STATUS_BUCKET) throw new ConfigError("OAM_STATUS_BUCKET", "is required by the local profile");
  const ownership = env.OAM_LOCAL_S3_OBJECT_OWNERSHIP || "ObjectWriter";
  if (!(OWNERSHIPS as readonly string[]).includes(ownership)) {
    throw new ConfigError("OAM_LOCAL_S3_OBJECT_OWNERSHIP", `must be one of ${OWNERSHIPS.join(", ")}`);
  }
  return {
    hostname: url.hostname,
    port: Number(url.port || 80),
    bucket: env.OAM_STATUS_BUCKET,
    directory: path.resolve(env.OAM_LOCAL_S3_DIR || "./data/s3"),
    objectOwnership: ownership as LocalS3Settings["objectOwnership"],
  };
}
