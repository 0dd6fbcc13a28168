// The local SQS and S3 servers, started as child processes from the suite's own local-sqs and
// local-s3 apps (built in dist/), each on its own port with its own queue, bucket and directory.
// The S3 server can also be plain s3rver, run from its own command line with none of local-s3's
// additions: a store the project did not write, which ignores If-None-Match/If-Match on PUT.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { freePort, portOpen } from "./ports";
import { waitFor } from "./wait";

/** The project's root (this file also runs compiled, from dist/, in the benchmark). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
})();
export const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
export const REGION = "us-east-1";

function startChild(script: string, env: Record<string, string>, nodeArgs: string[] = [], args: string[] = []): ChildProcess {
  const file = script.endsWith(".js") ? path.join(ROOT, script) : path.join(ROOT, "dist/dev", script, "main.js");
  const child = spawn(process.execPath, [...nodeArgs, file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(t);
}

export interface LocalSqs {
  endpoint: string;
  queueUrl: string;
  client: SQSClient;
  /** Creates another queue on the same server. */
  createQueue(name: string): Promise<string>;
  /** Every message still on the queue, in flight or not. */
  depth(queueUrl?: string): Promise<number>;
  /** The server's process id (the benchmark reads its CPU time). */
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startLocalSqs(queueName = "oam-status"): Promise<LocalSqs> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const queueUrl = `${endpoint}/123456789012/${queueName}`;
  const child = startChild("local-sqs", { OAM_STATUS_SQS_QUEUE_URL: queueUrl });
  await waitFor(() => portOpen(port), { what: "local SQS server", timeoutMs: 15_000 });
  const client = new SQSClient({ region: REGION, endpoint, credentials: CREDENTIALS });
  return {
    endpoint,
    queueUrl,
    client,
    pid: child.pid!,
    async createQueue(name) {
      const res = await client.send(new CreateQueueCommand({ QueueName: name }));
      return res.QueueUrl!;
    },
    async depth(url = queueUrl) {
      const res = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      // local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages too (real SQS
      // reports them apart, in ApproximateNumberOfMessagesNotVisible).
      return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
    },
    async stop() {
      client.destroy();
      await stopChild(child);
    },
  };
}

/** local-s3 honours conditional writes as S3 does; plain s3rver ignores them. */
export type StoreKind = "local-s3" | "s3rver";
export const STORE_KINDS: StoreKind[] = ["local-s3", "s3rver"];
/** Whether each kind honours If-None-Match/If-Match on PUT: what the suite's store probe should find. */
export const HONOURS: Record<StoreKind, boolean> = { "local-s3": true, s3rver: false };

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  directory: string;
  client: S3Client;
  /** Kills the server (an outage); its data stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  revive(): Promise<void>;
  /** The server's process id (the benchmark reads its CPU time). */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * `parentDir` holds the server's store (the benchmark puts it on tmpfs); `kind` picks local-s3 or
 * plain s3rver; `env` adds local-s3 settings such as OAM_LOCAL_S3_OBJECT_OWNERSHIP.
 */
export async function startLocalS3(bucket = "oam-status", parentDir = os.tmpdir(), kind: StoreKind = "local-s3", env: Record<string, string> = {}): Promise<LocalS3> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const directory = mkdtempSync(path.join(parentDir, "oam-s3-"));
  // Both with --openssl-legacy-provider: s3rver's listing tokens use DES.
  const spawnServer = async () => {
    const c =
      kind === "local-s3"
        ? startChild("local-s3", { AWS_ENDPOINT_URL_S3: endpoint, OAM_STATUS_BUCKET: bucket, OAM_LOCAL_S3_DIR: directory, ...env }, ["--openssl-legacy-provider"])
        : startChild("node_modules/s3rver/bin/s3rver.js", {}, ["--openssl-legacy-provider"], [
            "--directory", directory, "--address", "127.0.0.1", "--port", String(port), "--silent", "--configure-bucket", bucket,
          ]);
    await waitFor(() => portOpen(port), { what: "local S3 server", timeoutMs: 15_000 });
    return c;
  };
  let child = await spawnServer();
  const client = new S3Client({ region: REGION, endpoint, credentials: CREDENTIALS, forcePathStyle: true });
  return {
    endpoint,
    bucket,
    directory,
    client,
    get pid() {
      return child.pid!;
    },
    async kill() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
    async revive() {
      child = await spawnServer();
    },
    async stop() {
      client.destroy();
      await stopChild(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The environment that points the suite at these servers. */
export function suiteEnv(sqs: LocalSqs, s3: LocalS3, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    OAM_S3_FORCE_PATH_STYLE: "true",
    OAM_STATUS_SQS_QUEUE_URL: sqs.queueUrl,
    OAM_SQS_WAIT_SECONDS: "1",
    OAM_STATUS_BUCKET: s3.bucket,
    OAM_STATUS_PREFIX: "statuses",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // No monitoring endpoint unless a test asks for one on a port of its own (startSuite does):
    // the default port is one for the whole machine.
    OAM_METRICS_PORT: "0",
    ...extra,
  };
}
