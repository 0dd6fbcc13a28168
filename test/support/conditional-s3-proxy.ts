// An HTTP proxy in front of the local S3 server that enforces what s3rver ignores: If-Match and
// If-None-Match on PUT, answering 412 PreconditionFailed as S3 does. With it the suite's
// conditional writes (two suites on one queue) are exercised for real, locally.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CREDENTIALS, REGION } from "./local-servers";
import { KeyedQueue } from "../../apps/shared/keyed-queue";

export interface ConditionalProxy {
  endpoint: string;
  stats: { conditional: number; rejected: number };
  close(): Promise<void>;
}

const PRECONDITION_FAILED = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>`;

export async function startConditionalProxy(upstream: string): Promise<ConditionalProxy> {
  const up = new URL(upstream);
  const s3 = new S3Client({ region: REGION, endpoint: upstream, credentials: CREDENTIALS, forcePathStyle: true });
  const perKey = new KeyedQueue();
  const stats = { conditional: 0, rejected: 0 };

  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) =>
    new Promise<void>((resolve) => {
      const out = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          upRes.on("end", resolve);
        },
      );
      out.on("error", () => {
        res.writeHead(502).end();
        resolve();
      });
      out.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const ifMatch = req.headers["if-match"];
      const ifNoneMatch = req.headers["if-none-match"];
      const url = new URL(req.url ?? "/", "http://x");
      const [, bucket, ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      // Every request on one key goes through one queue: s3rver writes an object, its ETag and its
      // metadata in separate files, so a read racing a write could see a mix; S3 itself never does.
      void perKey.run(`${bucket}/${key}`, async () => {
        // Only single-part uploads (the SDK adds ?x-id=PutObject) are checked.
        const multipart = url.searchParams.has("uploadId") || url.searchParams.has("partNumber");
        if (req.method !== "PUT" || (!ifMatch && !ifNoneMatch) || multipart || !key) return forward(req, body, res);
        stats.conditional++;
        let etag: string | undefined;
        try {
          etag = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
        } catch {
          etag = undefined;
        }
        const fails = (ifNoneMatch === "*" && etag !== undefined) || (ifMatch !== undefined && ifMatch !== etag);
        if (fails) {
          stats.rejected++;
          res.writeHead(412, { "content-type": "application/xml" }).end(PRECONDITION_FAILED);
          return;
        }
        await forward(req, body, res);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      s3.destroy();
    },
  };
}
