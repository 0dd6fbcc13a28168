// Every environment variable the suite reads: its check and its default, once. Parsed whole by
// every app and the CLI (a bad value anywhere is reported wherever it is read, in one line naming
// the variable); which variables an app cannot start without, and what it makes of them, is
// config.ts. Nothing else in the code reads process.env.
import { validate as isValidCron } from "node-cron";
import { z } from "zod";
import { ConfigError } from "../util/errors";
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

export const variables = z.object({
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

/** The environment's variables, each checked; a bad one throws a ConfigError naming it. */
export type Variables = z.infer<typeof variables>;

export function readVariables(env: NodeJS.ProcessEnv): Variables {
  const parsed = variables.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  for (const name of ["OAM_BUS_PUB_ENDPOINT", "OAM_BUS_ACK_ENDPOINT"] as const) {
    checkBusEndpoint(name, parsed.data[name], parsed.data.OAM_BUS_ALLOW_PUBLIC);
  }
  return parsed.data;
}

// ZeroMQ has no authentication: the bus stays on this host unless the operator says otherwise.
function checkBusEndpoint(name: string, endpoint: string | undefined, allowPublic: boolean): void {
  const m = /^tcp:\/\/(.+):\d+$/.exec(endpoint ?? "");
  if (!m || allowPublic) return;
  const host = m[1].replace(/^\[|\]$/g, "");
  // An address, not a name that merely starts with "127." (that could resolve anywhere).
  if (!["localhost", "::1"].includes(host) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new ConfigError(name, "must be loopback (127.0.0.1, ::1) or ipc:// unless OAM_BUS_ALLOW_PUBLIC=true");
  }
}
