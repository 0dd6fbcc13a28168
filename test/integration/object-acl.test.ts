// The canned ACL (OAM_S3_ACL) on every object the suite writes, sent by the client createS3Client
// builds and tried against stores that check it: local-s3 as an ordinary bucket and as a bucket with
// ACLs disabled (Object Ownership BucketOwnerEnforced, which takes bucket-owner-full-control only),
// and plain s3rver, which the project did not write.
import os from "node:os";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../apps/shared/runtime/config";
import { createS3Client } from "../../apps/shared/aws/s3-client";
import { CREDENTIALS, REGION, startLocalS3, type LocalS3 } from "../support/local-servers";
import { readJson } from "../support/suite";

/** The suite's S3 client for this store and OAM_S3_ACL, recording the x-amz-acl of each request. */
function suiteClient(endpoint: string, acl: string | undefined): { client: S3Client; sent: Array<string | undefined> } {
  const config = loadConfig("status-writer", {
    AWS_REGION: REGION,
    OAM_STATUS_BUCKET: "acl-test",
    OAM_STATUS_PREFIX: "statuses",
    AWS_ENDPOINT_URL_S3: endpoint,
    OAM_S3_FORCE_PATH_STYLE: "true",
    ...(acl === undefined ? {} : { OAM_S3_ACL: acl }),
  });
  const client = createS3Client(config);
  const sent: Array<string | undefined> = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      sent.push((args.request as { headers: Record<string, string> }).headers["x-amz-acl"]);
      return next(args);
    },
    { step: "finalizeRequest", name: "recordAcl" },
  );
  return { client, sent };
}

const put = (client: S3Client, bucket: string, key: string) =>
  client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ key }), ContentType: "application/json" }));

describe("object ACL", () => {
  let plain: LocalS3;
  let enforced: LocalS3;
  let s3rver: LocalS3;

  // The SDK takes credentials from the environment (its default chain), not from the config.
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    [plain, enforced, s3rver] = await Promise.all([
      startLocalS3(),
      startLocalS3("oam-enforced", os.tmpdir(), "local-s3", { OAM_LOCAL_S3_OBJECT_OWNERSHIP: "BucketOwnerEnforced" }),
      startLocalS3("oam-plain", os.tmpdir(), "s3rver"),
    ]);
  });
  afterAll(async () => {
    for (const [name, value] of [["AWS_ACCESS_KEY_ID", savedEnv.id], ["AWS_SECRET_ACCESS_KEY", savedEnv.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all([plain?.stop(), enforced?.stop(), s3rver?.stop()]);
  });

  it("sends bucket-owner-full-control by default, and local-s3 (ACLs enabled or disabled) and plain s3rver take it", async () => {
    for (const [endpoint, bucket] of [
      [plain.endpoint, plain.bucket],
      [enforced.endpoint, enforced.bucket],
      [s3rver.endpoint, s3rver.bucket],
    ]) {
      const { client, sent } = suiteClient(endpoint, undefined);
      await put(client, bucket, "statuses/job-1-status.json");
      expect(sent, endpoint).toEqual(["bucket-owner-full-control"]);
      expect(await readJson(client, bucket, "statuses/job-1-status.json")).toEqual({ key: "statuses/job-1-status.json" });
      client.destroy();
    }
  });

  it("OAM_S3_ACL=none sends no ACL; another canned ACL is sent as given", async () => {
    const none = suiteClient(enforced.endpoint, "none");
    await put(none.client, enforced.bucket, "statuses/job-2-status.json");
    expect(none.sent).toEqual([undefined]);
    const priv = suiteClient(plain.endpoint, "private");
    await put(priv.client, plain.bucket, "statuses/job-3-status.json");
    expect(priv.sent).toEqual(["private"]);
    none.client.destroy();
    priv.client.destroy();
  });

  it("local-s3 refuses what S3 refuses: another ACL on a bucket with ACLs disabled, a value that is no canned ACL", async () => {
    const pub = suiteClient(enforced.endpoint, "public-read");
    const refused = await put(pub.client, enforced.bucket, "statuses/job-4-status.json").catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe("AccessControlListNotSupported");
    expect((refused as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    expect(await readJson(pub.client, enforced.bucket, "statuses/job-4-status.json")).toBeUndefined();
    pub.client.destroy();

    const bogus = await plain.client
      .send(new PutObjectCommand({ Bucket: plain.bucket, Key: "statuses/job-5-status.json", Body: "{}", ACL: "everyone" as never }))
      .catch((e: Error) => e);
    expect((bogus as Error).name).toBe("InvalidArgument");
  });
});
