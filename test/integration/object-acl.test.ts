// The canned ACL (OAM_S3_ACL) on every object the suite writes, sent by the client createS3Client
// builds and tried against stores that check it: local-s3 as an ordinary bucket and as a bucket with
// ACLs disabled (Object Ownership BucketOwnerEnforced, which takes bucket-owner-full-control only),
// and plain s3rver, which the project did not write.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
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
  let s3rver: { close(): Promise<void> };
  let s3rverEndpoint: string;
  let s3rverDir: string;

  // The SDK takes credentials from the environment (its default chain), not from the config.
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    [plain, enforced] = await Promise.all([startLocalS3(), startLocalS3("oam-enforced", os.tmpdir(), "local-s3", { OAM_LOCAL_S3_OBJECT_OWNERSHIP: "BucketOwnerEnforced" })]);
    // Plain s3rver, without local-s3's additions, in this process.
    s3rverDir = mkdtempSync(path.join(os.tmpdir(), "oam-s3rver-"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require("s3rver");
    s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: s3rverDir, silent: true, configureBuckets: [{ name: "oam-plain" }] });
    const address = (await (s3rver as unknown as { run(): Promise<AddressInfo> }).run()) as AddressInfo;
    s3rverEndpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    for (const [name, value] of [["AWS_ACCESS_KEY_ID", savedEnv.id], ["AWS_SECRET_ACCESS_KEY", savedEnv.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all([plain?.stop(), enforced?.stop(), s3rver?.close()]);
    if (s3rverDir) rmSync(s3rverDir, { recursive: true, force: true });
  });

  it("sends bucket-owner-full-control by default, and local-s3 (ACLs enabled or disabled) and plain s3rver take it", async () => {
    for (const [endpoint, bucket] of [
      [plain.endpoint, plain.bucket],
      [enforced.endpoint, enforced.bucket],
      [s3rverEndpoint, "oam-plain"],
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
