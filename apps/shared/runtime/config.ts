// The suite's configuration: every environment variable, parsed and validated once at start into
// one typed object. Nothing else in the code reads process.env.
import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import path from "node:path";
import { validate as isValidCron } from "node-cron";
import { z } from "zod";
import { ConfigError } from "../util/errors";
import type { SuiteApp } from "./names";
import { resolveLogDir } from "./log-dir";
import { DEFAULT_OBJECT_ACL, isObjectAcl, NO_OBJECT_ACL, OBJECT_ACLS, type ObjectAcl } from "../aws/object-acl";

const bool = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return false;
      const s = v.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(s)) return true;
      if (["false", "0", "no", "off"].includes(s)) return false;
      ctx.addIssue({ code: "custom", message: "must be true or false" });
      return z.NEVER;
    });

const int = (min: number, max: number, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

const optionalUrl = httpUrl.optional().or(z.literal("").transform(() => undefined));

// ZeroMQ endpoints: ipc:// anywhere, tcp:// only on loopback unless OAM_BUS_ALLOW_PUBLIC=true.
const zmqEndpoint = z
  .string()
  .trim()
  .regex(/^(ipc:\/\/.+|tcp:\/\/[^\s]+:\d+|inproc:\/\/.+)$/, "must be ipc://<path>, tcp://<host>:<port> or inproc://<name>");

const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)");

// The status prefix is a folder: stored without leading or trailing slashes, never empty, never
// containing "." or ".." segments (those would let a key leave the prefix on some S3 front ends).
const statusPrefix = z
  .string({ error: "is required" })
  .transform((v) => v.trim().replace(/^\/+|\/+$/g, ""))
  .refine((v) => v.length > 0, "must not be empty (status documents are kept under <prefix>/)")
  .refine((v) => v.split("/").every((s) => s !== "" && s !== "." && s !== ".."), "must not contain empty, '.' or '..' segments")
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\x00-\x1f\x7f\\]/.test(v), "must not contain control characters or backslashes");

const schema = z.object({
  AWS_REGION: z.string().trim().optional(),
  AWS_DEFAULT_REGION: z.string().trim().optional(),
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  AWS_ENDPOINT_URL_S3: optionalUrl,
  OAM_S3_FORCE_PATH_STYLE: bool(),
  OAM_S3_ACL: z
    .string()
    .optional()
    .transform((v, ctx): ObjectAcl | undefined => {
      const s = (v ?? "").trim();
      if (s === "") return DEFAULT_OBJECT_ACL;
      if (s === NO_OBJECT_ACL) return undefined;
      if (isObjectAcl(s)) return s;
      ctx.addIssue({ code: "custom", message: `must be a canned ACL (${OBJECT_ACLS.join(", ")}) or ${NO_OBJECT_ACL}` });
      return z.NEVER;
    }),

  OAM_STATUS_SQS_QUEUE_URL: httpUrl.optional(),
  OAM_SQS_WAIT_SECONDS: int(0, 20, 20),
  OAM_SQS_BATCH_SIZE: int(1, 10, 10),
  OAM_SQS_RECEIVE_CONCURRENCY: int(1, 20, 4),
  OAM_SQS_VISIBILITY_SECONDS: int(2, 43200, 60),
  OAM_MAX_IN_FLIGHT: int(1, 100000, 200),
  OAM_ACK_TIMEOUT_SECONDS: int(1, 3600, 15),

  OAM_STATUS_BUCKET: bucketName.optional(),
  OAM_STATUS_PREFIX: statusPrefix.optional(),

  OAM_CATALOG_URL: httpUrl.default("https://api.openaerialmap.org"),
  OAM_API_TOKEN: z.string().optional(),
  OAM_UPLOADER_TOKEN: z.string().optional(),
  OAM_API_TOKEN_FILE: z.string().optional(),
  MOCK_OAM_API: bool(),
  OAM_CATALOG_TIMEOUT_SECONDS: int(1, 600, 15),
  OAM_CATALOG_MAX_BACKOFF_SECONDS: int(1, 3600, 60),
  OAM_CATALOG_CLAIM_SECONDS: int(1, 86400, 120),
  OAM_CATALOG_CONCURRENCY: int(1, 100, 8),
  OAM_S3_MAX_BACKOFF_SECONDS: int(1, 600, 10),
  OAM_MESSAGE_MAX_ATTEMPTS: int(1, 100000, 20),
  OAM_MESSAGE_MAX_AGE_SECONDS: int(0, 30 * 86400, 3600),
  OAM_SUITE_ID: z.string().trim().max(200).optional(),

  DAYS_RETENTION: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 30;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: "must be a positive number of days" });
        return z.NEVER;
      }
      return n;
    }),
  OAM_JANITOR_SCHEDULE: z
    .string()
    .trim()
    .default("0 0 * * *")
    .refine((v) => isValidCron(v), "must be a cron expression (5 fields, or 6 with seconds first)"),
  OAM_JANITOR_RUN_ON_START: bool(),
  OAM_JANITOR_PAGE_SIZE: int(1, 1000, 1000),

  OAM_RUN_DIR: z.string().trim().min(1).default("./data/run"),
  OAM_BUS_PUB_ENDPOINT: zmqEndpoint.optional(),
  OAM_BUS_ACK_ENDPOINT: zmqEndpoint.optional(),
  OAM_BUS_ALLOW_PUBLIC: bool(),
  OAM_STOP_TIMEOUT_SECONDS: int(1, 300, 10),

  LOG_DIR: z.string().trim().min(1).default("./data/log"),
  PM2_HOME: z.string().trim().optional(),
  OAM_LOG_MAX_SIZE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 10 * 2 ** 20;
      const m = /^(\d+)\s*([kKmMgG]?)[bB]?$/.exec(v.trim());
      if (!m || Number(m[1]) === 0) {
        ctx.addIssue({ code: "custom", message: "must be a size such as 10M, 500k or 1048576" });
        return z.NEVER;
      }
      return Number(m[1]) * 2 ** ({ "": 0, k: 10, m: 20, g: 30 }[m[2].toLowerCase() as "" | "k" | "m" | "g"]);
    }),
  OAM_LOG_KEEP: int(1, 100, 5),
  OAM_LOG_ROTATE_CHECK_SECONDS: int(1, 3600, 30),
  OAM_HEALTH_MAX_POLL_AGE_SECONDS: int(1, 86400, 120),
  OAM_METRICS_HOST: z.string().trim().min(1, "must not be empty").default("127.0.0.1"),
  OAM_METRICS_PORT: int(0, 65535, 9477),
  OAM_METRICS_TOKEN: z.string().optional(),
  OAM_METRICS_TOKEN_FILE: z.string().optional(),
  OAM_METRICS_BACKLOG_SECONDS: int(60, 86400, 60),
  DEBUG: z.string().optional(),
  MAILHOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be host or host:port")
    .refine((v) => !v.includes(":") || Number(v.split(":")[1]) <= 65535, "port must be at most 65535")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  LOG_SENDER: z.string().trim().optional(),
  LOG_RECIPIENT: z.string().trim().optional(),
  OAM_MAIL_BATCH_SECONDS: int(1, 86400, 60),
});

export type AppName = SuiteApp | "cli";

export interface Config {
  app: AppName;
  aws: { region: string; forcePathStyle: boolean; sqsEndpoint?: string; s3Endpoint?: string };
  sqs: { queueUrl: string; waitSeconds: number; batchSize: number; visibilitySeconds: number; receiveConcurrency: number };
  status: { bucket: string; prefix: string };
  poller: { maxInFlight: number; ackTimeoutMs: number };
  catalog: {
    url: string;
    token?: string;
    mock: boolean;
    timeoutMs: number;
    /** First wait before retrying a failed catalog request (fixed); it doubles up to maxBackoffMs. */
    firstRetryMs: number;
    maxBackoffMs: number;
    claimLeaseMs: number;
    maxConcurrentPosts: number;
  };
  /** Longest wait between retries of S3 writes. */
  s3MaxBackoffMs: number;
  /** When a valid message whose work keeps failing for it alone is set aside (message-bound.ts). */
  messageBound: { maxAttempts: number; maxAgeMs: number };
  /** The canned ACL sent with every object the suite writes (OAM_S3_ACL); undefined: none. */
  s3Acl?: ObjectAcl;
  /** This copy of the suite, in catalog claims: OAM_SUITE_ID or `<hostname>:<run dir>`. */
  suiteId: string;
  janitor: { schedule: string; retentionDays: number; runOnStart: boolean; pageSize: number };
  bus: { pubEndpoint: string; ackEndpoint: string; runDir: string };
  stopTimeoutMs: number;
  log: { dir: string; debug: boolean; maxBytes: number; keep: number; checkMs: number };
  /** Where the pm2 daemon keeps its sockets (the CLI's health command), and how stale a poll may be. */
  health: { pm2Home: string; maxPollAgeSeconds: number };
  /** The /metrics, /healthz and /readyz server (served by the janitor); port 0 = none. */
  metrics: { host: string; port: number; token?: string; backlogIntervalMs: number };
  mail?: { host: string; port: number; sender: string; recipient: string; batchMs: number };
}

export type Need = "queue" | "bucket" | "region" | "token";

// Which variables each app cannot start without (a CLI command adds its own, see loadConfig).
const NEEDS: Record<AppName, Need[]> = {
  poller: ["queue", "bucket", "region"],
  "status-writer": ["bucket", "region"],
  "catalog-notifier": ["bucket", "region", "token"],
  janitor: ["bucket", "region"],
  cli: [],
};

function required(name: string): never {
  throw new ConfigError(name, "is required");
}

/** A secret kept in a file (Docker secrets): its content without surrounding white space. */
function readSecretFile(variable: string, file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (err) {
    throw new ConfigError(variable, `cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

// The token file (a Docker secret) or the variables; an empty file (compose's /dev/null when no
// secret is given) leaves the variables to say it. Two different tokens are an error, not a choice.
function readToken(env: z.infer<typeof schema>): string | undefined {
  const plain = env.OAM_API_TOKEN || env.OAM_UPLOADER_TOKEN || undefined;
  if (!env.OAM_API_TOKEN_FILE) return plain;
  const fromFile = readSecretFile("OAM_API_TOKEN_FILE", env.OAM_API_TOKEN_FILE);
  if (fromFile && plain && fromFile !== plain) {
    throw new ConfigError("OAM_API_TOKEN_FILE", "holds another token than OAM_API_TOKEN (or OAM_UPLOADER_TOKEN): set one of them");
  }
  return fromFile ?? plain;
}

function checkBusEndpoint(name: string, endpoint: string, allowPublic: boolean): void {
  const m = /^tcp:\/\/(.+):\d+$/.exec(endpoint);
  if (!m || allowPublic) return;
  const host = m[1].replace(/^\[|\]$/g, "");
  // An address, not a name that merely starts with "127." (that could resolve anywhere).
  if (!["localhost", "::1"].includes(host) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new ConfigError(name, "must be loopback (127.0.0.1, ::1) or ipc:// unless OAM_BUS_ALLOW_PUBLIC=true");
  }
}

type MailVariables = Pick<z.infer<typeof schema>, "MAILHOST" | "LOG_SENDER" | "LOG_RECIPIENT" | "OAM_MAIL_BATCH_SECONDS">;

function mailOf(e: MailVariables): Config["mail"] {
  if (!e.MAILHOST && !e.LOG_SENDER && !e.LOG_RECIPIENT) return undefined;
  if (!e.MAILHOST) required("MAILHOST");
  if (!e.LOG_SENDER) required("LOG_SENDER");
  if (!e.LOG_RECIPIENT) required("LOG_RECIPIENT");
  const [host, port] = e.MAILHOST.split(":");
  return { host, port: port ? Number(port) : 25, sender: e.LOG_SENDER, recipient: e.LOG_RECIPIENT, batchMs: e.OAM_MAIL_BATCH_SECONDS * 1000 };
}

/**
 * The error-mail settings alone, for a process whose full config is wrong: its config error is
 * mailed when these variables are right. Throws a ConfigError when they are not.
 */
export function loadMailConfig(env: NodeJS.ProcessEnv = process.env): Config["mail"] {
  const parsed = schema.pick({ MAILHOST: true, LOG_SENDER: true, LOG_RECIPIENT: true, OAM_MAIL_BATCH_SECONDS: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  return mailOf(parsed.data);
}

/** The config of `app`; `moreNeeds` are what a CLI command needs on top (checked the same way, with the same messages). */
export function loadConfig(app: AppName, env: NodeJS.ProcessEnv = process.env, moreNeeds: Need[] = []): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  const e = parsed.data;
  const needs = [...NEEDS[app], ...moreNeeds];
  const region = e.AWS_REGION || e.AWS_DEFAULT_REGION;
  if (needs.includes("region") && !region) throw new ConfigError("AWS_REGION", "is required (AWS_DEFAULT_REGION is accepted too)");
  if (needs.includes("queue") && !e.OAM_STATUS_SQS_QUEUE_URL) required("OAM_STATUS_SQS_QUEUE_URL");
  if (needs.includes("bucket") && !e.OAM_STATUS_BUCKET) required("OAM_STATUS_BUCKET");
  if (needs.includes("bucket") && !e.OAM_STATUS_PREFIX) required("OAM_STATUS_PREFIX");
  const token = readToken(e);
  if (needs.includes("token") && !e.MOCK_OAM_API && !token) {
    throw new ConfigError("OAM_API_TOKEN", "is required unless MOCK_OAM_API=true (OAM_UPLOADER_TOKEN and OAM_API_TOKEN_FILE are accepted too)");
  }

  const runDir = path.resolve(e.OAM_RUN_DIR);
  const pubEndpoint = e.OAM_BUS_PUB_ENDPOINT ?? `ipc://${path.join(runDir, "bus-pub.sock")}`;
  const ackEndpoint = e.OAM_BUS_ACK_ENDPOINT ?? `ipc://${path.join(runDir, "bus-ack.sock")}`;
  checkBusEndpoint("OAM_BUS_PUB_ENDPOINT", pubEndpoint, e.OAM_BUS_ALLOW_PUBLIC);
  checkBusEndpoint("OAM_BUS_ACK_ENDPOINT", ackEndpoint, e.OAM_BUS_ALLOW_PUBLIC);

  const mail = mailOf(e);

  return {
    app,
    aws: {
      region: region ?? "us-east-1",
      forcePathStyle: e.OAM_S3_FORCE_PATH_STYLE,
      sqsEndpoint: e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL,
      s3Endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    },
    sqs: {
      queueUrl: e.OAM_STATUS_SQS_QUEUE_URL ?? "",
      waitSeconds: e.OAM_SQS_WAIT_SECONDS,
      batchSize: e.OAM_SQS_BATCH_SIZE,
      visibilitySeconds: e.OAM_SQS_VISIBILITY_SECONDS,
      receiveConcurrency: e.OAM_SQS_RECEIVE_CONCURRENCY,
    },
    status: { bucket: e.OAM_STATUS_BUCKET ?? "", prefix: e.OAM_STATUS_PREFIX ?? "" },
    poller: { maxInFlight: e.OAM_MAX_IN_FLIGHT, ackTimeoutMs: e.OAM_ACK_TIMEOUT_SECONDS * 1000 },
    catalog: {
      url: e.OAM_CATALOG_URL,
      token,
      mock: e.MOCK_OAM_API,
      timeoutMs: e.OAM_CATALOG_TIMEOUT_SECONDS * 1000,
      firstRetryMs: 500,
      maxBackoffMs: e.OAM_CATALOG_MAX_BACKOFF_SECONDS * 1000,
      claimLeaseMs: e.OAM_CATALOG_CLAIM_SECONDS * 1000,
      maxConcurrentPosts: e.OAM_CATALOG_CONCURRENCY,
    },
    s3MaxBackoffMs: e.OAM_S3_MAX_BACKOFF_SECONDS * 1000,
    messageBound: { maxAttempts: e.OAM_MESSAGE_MAX_ATTEMPTS, maxAgeMs: e.OAM_MESSAGE_MAX_AGE_SECONDS * 1000 },
    s3Acl: e.OAM_S3_ACL,
    suiteId: e.OAM_SUITE_ID || `${hostname()}:${runDir}`,
    janitor: {
      schedule: e.OAM_JANITOR_SCHEDULE,
      retentionDays: e.DAYS_RETENTION,
      runOnStart: e.OAM_JANITOR_RUN_ON_START,
      pageSize: e.OAM_JANITOR_PAGE_SIZE,
    },
    bus: { pubEndpoint, ackEndpoint, runDir },
    stopTimeoutMs: e.OAM_STOP_TIMEOUT_SECONDS * 1000,
    log: {
      dir: resolveLogDir(e.LOG_DIR),
      debug: debugMatches(e.DEBUG ?? "", app),
      maxBytes: e.OAM_LOG_MAX_SIZE,
      keep: e.OAM_LOG_KEEP,
      checkMs: e.OAM_LOG_ROTATE_CHECK_SECONDS * 1000,
    },
    health: { pm2Home: e.PM2_HOME || path.join(homedir(), ".pm2"), maxPollAgeSeconds: e.OAM_HEALTH_MAX_POLL_AGE_SECONDS },
    metrics: {
      host: e.OAM_METRICS_HOST,
      port: e.OAM_METRICS_PORT,
      token: e.OAM_METRICS_TOKEN_FILE ? readSecretFile("OAM_METRICS_TOKEN_FILE", e.OAM_METRICS_TOKEN_FILE) : e.OAM_METRICS_TOKEN || undefined,
      backlogIntervalMs: e.OAM_METRICS_BACKLOG_SECONDS * 1000,
    },
    mail,
  };
}

/**
 * OAM_STOP_TIMEOUT_SECONDS alone, in ms, parsed by the same rule as in loadConfig, for
 * ecosystem.config.js (pm2's kill_timeout); a bad value gets the default there and stops the app
 * with its config error.
 */
export function stopTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const field = schema.shape.OAM_STOP_TIMEOUT_SECONDS;
  const parsed = field.safeParse(env.OAM_STOP_TIMEOUT_SECONDS);
  return (parsed.success ? parsed.data : field.parse(undefined)) * 1000;
}

// DEBUG follows the `debug` package's convention: comma-separated names, `*` as a wildcard.
function debugMatches(debug: string, app: AppName): boolean {
  return debug
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((pat) => pat === "*" || pat === "oam:*" || pat === `oam:${app}`);
}
