// The local S3 server keeps what S3 promises where s3rver alone did not:
// - a PUT whose client dies mid-body leaves the stored object as it was (s3rver kept the torn part,
//   which stalled the catalog notifier on an unreadable record after a SIGKILL in the chaos test);
// - conditional PUTs (If-None-Match: *, If-Match), which the suite's ordering and once-only
//   guarantees rely on, are honoured, also when several race on one key.
import http from "node:http";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etagListMatches } from "../../dev/local-s3/conditional-writes";
import { isNotFound, isPreconditionFailure } from "../../apps/shared/aws/aws-errors";
import { startLocalS3, type LocalS3 } from "../support/local-servers";
import { readJson } from "../support/suite";
import { waitFor } from "../support/wait";

interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** The request the SDK would send, signed, without sending it. */
async function signedPut(s3: LocalS3, key: string, body: string): Promise<HttpRequest> {
  const command = new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ContentType: "application/json" });
  command.middlewareStack.addRelativeTo(
    () => async (args: { request: unknown }) => {
      throw Object.assign(new Error("captured"), { request: args.request });
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "captureSignedRequest" },
  );
  const err = await s3.client.send(command).then(
    () => undefined,
    (e: { request?: HttpRequest }) => e,
  );
  if (!err?.request) throw new Error("the signed request was not captured");
  return err.request;
}

describe("local S3 server", () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(() => s3?.stop());

  it("keeps the stored object when a PUT's client dies before the whole body arrived", async () => {
    const key = "statuses/catalog/job-1.json";
    const before = { jobId: "job-1", state: "posted" };
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(before) }));

    const body = JSON.stringify({ jobId: "job-1", state: "posting", padding: "x".repeat(4096) });
    const req = await signedPut(s3, key, body);
    const url = new URL(s3.endpoint);
    const folder = path.join(s3.directory, s3.bucket, "statuses", "catalog");
    const partial = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers: req.headers });
    partial.on("error", () => undefined); // destroyed on purpose
    partial.write(body.slice(0, 100));
    // The server has started storing the body: into a temporary file, or (s3rver alone) over the object.
    const stored = path.join(folder, "job-1.json._S3rver_object");
    const storing = () => readdirSync(folder).some((f) => f.endsWith(".tmp")) || statSync(stored).size !== JSON.stringify(before).length;
    await waitFor(storing, { what: "the server to start storing the body" });
    partial.destroy();

    await waitFor(() => !readdirSync(folder).some((f) => f.endsWith(".tmp")), { what: "the partial body to be dropped" });
    expect(await readJson(s3.client, s3.bucket, key)).toEqual(before);
  });

  describe("conditional PUTs", () => {
    const put = (key: string, body: string, condition: Partial<PutObjectCommandInput> = {}) =>
      s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ...condition }));
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "stored",
        (err) => (isPreconditionFailure(err) ? "412" : isNotFound(err) ? "404" : `error ${String(err)}`),
      );

    it("If-None-Match: * stores a new object and refuses to replace one", async () => {
      const key = "cond/new.json";
      expect(await outcome(put(key, JSON.stringify({ v: 1 }), { IfNoneMatch: "*" }))).toBe("stored");
      expect(await outcome(put(key, JSON.stringify({ v: 2 }), { IfNoneMatch: "*" }))).toBe("412");
      expect(await readJson(s3.client, s3.bucket, key)).toEqual({ v: 1 });
    });

    it("If-Match replaces only the version it names, and finds no missing object", async () => {
      const key = "cond/match.json";
      const v1 = await put(key, JSON.stringify({ v: 1 }));
      expect(await outcome(put(key, JSON.stringify({ v: 2 }), { IfMatch: '"0123456789abcdef0123456789abcdef"' }))).toBe("412");
      expect(await outcome(put(key, JSON.stringify({ v: 2 }), { IfMatch: v1.ETag }))).toBe("stored");
      expect(await outcome(put(key, JSON.stringify({ v: 3 }), { IfMatch: v1.ETag }))).toBe("412");
      expect(await readJson(s3.client, s3.bucket, key)).toEqual({ v: 2 });
      expect(await outcome(put("cond/missing.json", "{}", { IfMatch: v1.ETag }))).toBe("404");
    });

    it("lets exactly one of racing PUTs win, for If-None-Match and for If-Match", async () => {
      const fresh = await Promise.all(Array.from({ length: 12 }, (_, i) => outcome(put("cond/race.json", JSON.stringify({ i }), { IfNoneMatch: "*" }))));
      expect(fresh.filter((o) => o === "stored")).toHaveLength(1);
      expect(fresh.filter((o) => o === "412")).toHaveLength(11);
      const base = await put("cond/race-match.json", "{}");
      const updates = await Promise.all(Array.from({ length: 12 }, (_, i) => outcome(put("cond/race-match.json", JSON.stringify({ i }), { IfMatch: base.ETag }))));
      expect(updates.filter((o) => o === "stored")).toHaveLength(1);
    });

    it("never pairs one version's ETag with another version's metadata while writes go on", async () => {
      const key = "cond/versions.json";
      const body = (v: number) => JSON.stringify({ v });
      const md5 = (text: string) => `"${createHash("md5").update(text).digest("hex")}"`;
      await put(key, body(0), { Metadata: { v: "0" } });
      let writing = true;
      const writes = (async () => {
        for (let v = 1; v <= 40; v++) await put(key, body(v), { Metadata: { v: String(v) } });
        writing = false;
      })();
      const torn: string[] = [];
      let reads = 0;
      const readers = Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 400 && writing; i++) {
          const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
          reads++;
          const v = Number(head.Metadata?.v);
          if (head.ETag !== md5(body(v))) torn.push(`metadata v=${v} with ETag ${head.ETag}`);
        }
      });
      await Promise.all([writes, ...readers]);
      expect(reads).toBeGreaterThan(0);
      expect(torn).toEqual([]);
    });

    it("reads If-Match lists, quoted or not, and *", () => {
      expect(etagListMatches('"abc"', '"abc"')).toBe(true);
      expect(etagListMatches("abc", '"abc"')).toBe(true);
      expect(etagListMatches('"x", W/"abc"', '"abc"')).toBe(true);
      expect(etagListMatches("*", '"abc"')).toBe(true);
      expect(etagListMatches('"x"', '"abc"')).toBe(false);
    });
  });
});
