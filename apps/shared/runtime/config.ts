// Each app's configuration: the sections it uses, built from the checked variables
// (config-variables.ts) at start. A section says which of its variables are required; an app
// gets only its sections, so nothing it does not use is filled in with a placeholder.
import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import path from "node:path";
import { ConfigError } from "../util/errors";
import type { ObjectAcl } from "../aws/object-acl";
import type { SuiteApp } from "./names";
import { resolveLogDir } from "./log-dir";
import type { MailSettings } from "./error-mail";
import { readVariables, variables, type Variables } from "./config-variables";

export type AppName = SuiteApp | "cli";

export interface AwsConfig {
  region: string;
  forcePathStyle: boolean;
  sqsEndpoint?: string;
  s3Endpoint?: string;
}
export interface QueueConfig {
  queueUrl: string;
  waitSeconds: number;
  batchSize: number;
  visibilitySeconds: number;
  receiveConcurrency: number;
}
/** Where status documents (and the suite's other objects) are kept. */
export interface StatusLocation {
  bucket: string;
  prefix: string;
}
export interface BusConfig {
  pubEndpoint: string;
  ackEndpoint: string;
  runDir: string;
}
export interface LogConfig {
  dir: string;
  debug: boolean;
  maxBytes: number;
  keep: number;
  checkMs: number;
}
export interface CatalogConfig {
  url: string;
  token?: string;
  mock: boolean;
  timeoutMs: number;
  /** First wait before retrying a failed catalog request (fixed); it doubles up to maxBackoffMs. */
  firstRetryMs: number;
  maxBackoffMs: number;
  claimLeaseMs: number;
  maxConcurrentPosts: number;
}
/** When a valid message whose work keeps failing for it alone is set aside (message-bound.ts). */
export interface MessageBoundConfig {
  maxAttempts: number;
  maxAgeMs: number;
}
/** Where the pm2 daemon keeps its sockets, and how stale the poller's last poll may be. */
export interface HealthConfig {
  pm2Home: string;
  maxPollAgeSeconds: number;
}
/** The /metrics, /healthz and /readyz server (served by the janitor); port 0 = none. */
export interface MetricsConfig {
  host: string;
  port: number;
  token?: string;
  backlogIntervalMs: number;
}

/** What every app reads. */
export interface CommonConfig {
  app: AppName;
  log: LogConfig;
  mail?: MailSettings;
  stopTimeoutMs: number;
}

/** What an app that writes to the status bucket reads. */
export interface StoreUser {
  aws: AwsConfig;
  status: StatusLocation;
  /** The canned ACL sent with every object the suite writes (OAM_S3_ACL); undefined: none. */
  s3Acl?: ObjectAcl;
}

export interface PollerConfig extends CommonConfig, StoreUser {
  sqs: QueueConfig;
  bus: BusConfig;
  poller: { maxInFlight: number; ackTimeoutMs: number };
}

/** What both bus consumers read. */
export interface ConsumerConfig extends CommonConfig, StoreUser {
  bus: BusConfig;
  /** Longest wait between retries of S3 calls. */
  s3MaxBackoffMs: number;
  messageBound: MessageBoundConfig;
}

export type StatusWriterConfig = ConsumerConfig;

export interface CatalogNotifierConfig extends ConsumerConfig {
  catalog: CatalogConfig;
  /** This copy of the suite, in catalog claims: OAM_SUITE_ID or `<hostname>:<run dir>`. */
  suiteId: string;
}

export interface JanitorConfig extends CommonConfig, StoreUser {
  janitor: { schedule: string; retentionDays: number; runOnStart: boolean; pageSize: number };
  metrics: MetricsConfig;
  health: HealthConfig;
  /** The queue whose backlog /metrics shows, when OAM_STATUS_SQS_QUEUE_URL is set. */
  queueUrl?: string;
}

/** The CLI's own part; a command reads the sections it needs on top (queueConfig, storeUserConfig). */
export interface CliConfig extends CommonConfig {
  /** The region may be left out here: the SDK then takes us-east-1 (a queue URL names its own). */
  aws: AwsConfig;
  health: HealthConfig;
}

/** Each app's config type. */
export interface ConfigOf {
  poller: PollerConfig;
  "status-writer": StatusWriterConfig;
  "catalog-notifier": CatalogNotifierConfig;
  janitor: JanitorConfig;
  cli: CliConfig;
}

function required(name: string): never {
  throw new ConfigError(name, "is required");
}

// --- sections, in the order their required variables are checked ---

function awsConfig(v: Variables, regionRequired = true): AwsConfig {
  const region = v.AWS_REGION || v.AWS_DEFAULT_REGION;
  if (!region && regionRequired) throw new ConfigError("AWS_REGION", "is required (AWS_DEFAULT_REGION is accepted too)");
  return {
    region: region || "us-east-1",
    forcePathStyle: v.OAM_S3_FORCE_PATH_STYLE,
    sqsEndpoint: v.AWS_ENDPOINT_URL_SQS ?? v.AWS_ENDPOINT_URL,
    s3Endpoint: v.AWS_ENDPOINT_URL_S3 ?? v.AWS_ENDPOINT_URL,
  };
}

/** The status queue; OAM_STATUS_SQS_QUEUE_URL is required. */
export function queueConfig(v: Variables): QueueConfig {
  return {
    queueUrl: v.OAM_STATUS_SQS_QUEUE_URL ?? required("OAM_STATUS_SQS_QUEUE_URL"),
    waitSeconds: v.OAM_SQS_WAIT_SECONDS,
    batchSize: v.OAM_SQS_BATCH_SIZE,
    visibilitySeconds: v.OAM_SQS_VISIBILITY_SECONDS,
    receiveConcurrency: v.OAM_SQS_RECEIVE_CONCURRENCY,
  };
}

/** S3 and the status bucket; the region, OAM_STATUS_BUCKET and OAM_STATUS_PREFIX are required. */
export function storeUserConfig(v: Variables, aws = awsConfig(v)): StoreUser {
  return {
    aws,
    status: { bucket: v.OAM_STATUS_BUCKET ?? required("OAM_STATUS_BUCKET"), prefix: v.OAM_STATUS_PREFIX ?? required("OAM_STATUS_PREFIX") },
    s3Acl: v.OAM_S3_ACL,
  };
}

function busConfig(v: Variables): BusConfig {
  const runDir = path.resolve(v.OAM_RUN_DIR);
  return {
    pubEndpoint: v.OAM_BUS_PUB_ENDPOINT ?? `ipc://${path.join(runDir, "bus-pub.sock")}`,
    ackEndpoint: v.OAM_BUS_ACK_ENDPOINT ?? `ipc://${path.join(runDir, "bus-ack.sock")}`,
    runDir,
  };
}

type MailVariables = Pick<Variables, "MAILHOST" | "LOG_SENDER" | "LOG_RECIPIENT" | "OAM_MAIL_BATCH_SECONDS">;

function mailConfig(v: MailVariables): MailSettings | undefined {
  if (!v.MAILHOST && !v.LOG_SENDER && !v.LOG_RECIPIENT) return undefined;
  if (!v.MAILHOST) required("MAILHOST");
  if (!v.LOG_SENDER) required("LOG_SENDER");
  if (!v.LOG_RECIPIENT) required("LOG_RECIPIENT");
  const [host, port] = v.MAILHOST.split(":");
  return { host, port: port ? Number(port) : 25, sender: v.LOG_SENDER, recipient: v.LOG_RECIPIENT, batchMs: v.OAM_MAIL_BATCH_SECONDS * 1000 };
}

function commonConfig(v: Variables, app: AppName): CommonConfig {
  return {
    app,
    log: {
      dir: resolveLogDir(v.LOG_DIR),
      debug: debugMatches(v.DEBUG ?? "", app),
      maxBytes: v.OAM_LOG_MAX_SIZE,
      keep: v.OAM_LOG_KEEP,
      checkMs: v.OAM_LOG_ROTATE_CHECK_SECONDS * 1000,
    },
    mail: mailConfig(v),
    stopTimeoutMs: v.OAM_STOP_TIMEOUT_SECONDS * 1000,
  };
}

function consumerConfig(v: Variables, app: AppName): ConsumerConfig {
  return {
    ...storeUserConfig(v),
    ...commonConfig(v, app),
    bus: busConfig(v),
    s3MaxBackoffMs: v.OAM_S3_MAX_BACKOFF_SECONDS * 1000,
    messageBound: { maxAttempts: v.OAM_MESSAGE_MAX_ATTEMPTS, maxAgeMs: v.OAM_MESSAGE_MAX_AGE_SECONDS * 1000 },
  };
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
function catalogToken(v: Variables): string | undefined {
  const plain = v.OAM_API_TOKEN || v.OAM_UPLOADER_TOKEN || undefined;
  if (!v.OAM_API_TOKEN_FILE) return plain;
  const fromFile = readSecretFile("OAM_API_TOKEN_FILE", v.OAM_API_TOKEN_FILE);
  if (fromFile && plain && fromFile !== plain) {
    throw new ConfigError("OAM_API_TOKEN_FILE", "holds another token than OAM_API_TOKEN (or OAM_UPLOADER_TOKEN): set one of them");
  }
  return fromFile ?? plain;
}

/** The catalog; a token is required unless MOCK_OAM_API=true. */
function catalogConfig(v: Variables): CatalogConfig {
  const token = catalogToken(v);
  if (!v.MOCK_OAM_API && !token) {
    throw new ConfigError("OAM_API_TOKEN", "is required unless MOCK_OAM_API=true (OAM_UPLOADER_TOKEN and OAM_API_TOKEN_FILE are accepted too)");
  }
  return {
    url: v.OAM_CATALOG_URL,
    token,
    mock: v.MOCK_OAM_API,
    timeoutMs: v.OAM_CATALOG_TIMEOUT_SECONDS * 1000,
    firstRetryMs: 500,
    maxBackoffMs: v.OAM_CATALOG_MAX_BACKOFF_SECONDS * 1000,
    claimLeaseMs: v.OAM_CATALOG_CLAIM_SECONDS * 1000,
    maxConcurrentPosts: v.OAM_CATALOG_CONCURRENCY,
  };
}

function healthConfig(v: Variables): HealthConfig {
  return { pm2Home: v.PM2_HOME || path.join(homedir(), ".pm2"), maxPollAgeSeconds: v.OAM_HEALTH_MAX_POLL_AGE_SECONDS };
}

function metricsConfig(v: Variables): MetricsConfig {
  return {
    host: v.OAM_METRICS_HOST,
    port: v.OAM_METRICS_PORT,
    token: v.OAM_METRICS_TOKEN_FILE ? readSecretFile("OAM_METRICS_TOKEN_FILE", v.OAM_METRICS_TOKEN_FILE) : v.OAM_METRICS_TOKEN || undefined,
    backlogIntervalMs: v.OAM_METRICS_BACKLOG_SECONDS * 1000,
  };
}

// --- each app: its sections ---

const BUILD: { [A in AppName]: (v: Variables) => ConfigOf[A] } = {
  poller: (v) => {
    const aws = awsConfig(v);
    const sqs = queueConfig(v);
    return {
      ...storeUserConfig(v, aws),
      sqs,
      ...commonConfig(v, "poller"),
      bus: busConfig(v),
      poller: { maxInFlight: v.OAM_MAX_IN_FLIGHT, ackTimeoutMs: v.OAM_ACK_TIMEOUT_SECONDS * 1000 },
    };
  },
  "status-writer": (v) => consumerConfig(v, "status-writer"),
  "catalog-notifier": (v) => {
    const consumer = consumerConfig(v, "catalog-notifier");
    return { ...consumer, catalog: catalogConfig(v), suiteId: v.OAM_SUITE_ID || `${hostname()}:${consumer.bus.runDir}` };
  },
  janitor: (v) => ({
    ...storeUserConfig(v),
    ...commonConfig(v, "janitor"),
    janitor: { schedule: v.OAM_JANITOR_SCHEDULE, retentionDays: v.DAYS_RETENTION, runOnStart: v.OAM_JANITOR_RUN_ON_START, pageSize: v.OAM_JANITOR_PAGE_SIZE },
    metrics: metricsConfig(v),
    health: healthConfig(v),
    queueUrl: v.OAM_STATUS_SQS_QUEUE_URL,
  }),
  cli: (v) => ({ aws: awsConfig(v, false), ...commonConfig(v, "cli"), health: healthConfig(v) }),
};

/** `app`'s sections from variables already read (a ConfigError names what is missing). */
export function buildConfig<A extends AppName>(app: A, v: Variables): ConfigOf[A] {
  return BUILD[app](v);
}

/** The config of `app`: every variable checked, then the app's sections built (a ConfigError names what is wrong). */
export function loadConfig<A extends AppName>(app: A, env: NodeJS.ProcessEnv = process.env): ConfigOf[A] {
  return buildConfig(app, readVariables(env));
}

/**
 * The error-mail settings alone, for a process whose full config is wrong: its config error is
 * mailed when these variables are right. Throws a ConfigError when they are not.
 */
export function loadMailConfig(env: NodeJS.ProcessEnv = process.env): MailSettings | undefined {
  const parsed = variables.pick({ MAILHOST: true, LOG_SENDER: true, LOG_RECIPIENT: true, OAM_MAIL_BATCH_SECONDS: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  return mailConfig(parsed.data);
}

/**
 * OAM_STOP_TIMEOUT_SECONDS alone, in ms, parsed by the same rule as in loadConfig, for
 * ecosystem.config.js (pm2's kill_timeout); a bad value gets the default there and stops the app
 * with its config error.
 */
export function stopTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const field = variables.shape.OAM_STOP_TIMEOUT_SECONDS;
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
