// loadConfig(app, env): every variable parsed and validated once; a bad value is a ConfigError naming it.
// Every test passes an explicit env object: process.env is never read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, type AppName } from "../../apps/shared/runtime/config";
import { ConfigError } from "../../apps/shared/util/errors";

const TOKEN = "s3cr3t-T0ken-value-9f8e7d";

const base: Record<string, string> = {
  AWS_REGION: "eu-west-1",
  OAM_STATUS_SQS_QUEUE_URL: "http://127.0.0.1:9324/000000000000/oam-status",
  OAM_STATUS_BUCKET: "oam-status",
  OAM_STATUS_PREFIX: "statuses",
  OAM_API_TOKEN: TOKEN,
};

const ALL_APPS: AppName[] = ["poller", "status-writer", "catalog-notifier", "janitor", "cli"];

function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = { ...base, ...over };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

/** Asserts loadConfig throws a ConfigError; returns it. */
function configError(app: AppName, e: NodeJS.ProcessEnv): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(app, e);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, "expected loadConfig to throw").toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.name).toBe("ConfigError");
  expect(err.message.startsWith(`${err.variable} `)).toBe(true);
  expect(err.message).not.toContain("\n");
  return err;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "oam-config-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("defaults", () => {
  it("fills in the documented defaults", () => {
    const runDir = path.join(tmp, "run");
    const c = loadConfig("poller", env({ OAM_RUN_DIR: runDir }));
    expect(c.app).toBe("poller");
    expect(c.sqs.waitSeconds).toBe(20);
    expect(c.sqs.batchSize).toBe(10);
    expect(c.sqs.queueUrl).toBe(base.OAM_STATUS_SQS_QUEUE_URL);
    const notifier = loadConfig("catalog-notifier", env());
    expect(notifier.catalog.url).toBe("https://api.openaerialmap.org");
    expect(notifier.catalog.mock).toBe(false);
    expect(notifier.catalog.maxConcurrentPosts).toBe(8);
    const janitor = loadConfig("janitor", env());
    expect(janitor.janitor.retentionDays).toBe(30);
    expect(janitor.janitor.schedule).toBe("0 0 * * *");
    expect(janitor.janitor.runOnStart).toBe(false);
    expect(c.aws.region).toBe("eu-west-1");
    expect(c.aws.forcePathStyle).toBe(false);
    expect(c.aws.sqsEndpoint).toBeUndefined();
    expect(c.aws.s3Endpoint).toBeUndefined();
    expect(c.status).toEqual({ bucket: "oam-status", prefix: "statuses" });
    expect(c.log.debug).toBe(false);
    expect(c.mail).toBeUndefined();
  });

  it("puts the bus on ipc sockets under the run dir", () => {
    const runDir = path.join(tmp, "run");
    const c = loadConfig("poller", env({ OAM_RUN_DIR: runDir }));
    expect(c.bus.runDir).toBe(runDir);
    expect(c.bus.pubEndpoint).toBe(`ipc://${path.join(runDir, "bus-pub.sock")}`);
    expect(c.bus.ackEndpoint).toBe(`ipc://${path.join(runDir, "bus-ack.sock")}`);
  });

  it("resolves the default run dir to an absolute path ending in data/run", () => {
    const c = loadConfig("poller", env());
    expect(path.isAbsolute(c.bus.runDir)).toBe(true);
    expect(c.bus.runDir.endsWith(path.join("data", "run"))).toBe(true);
    expect(c.bus.pubEndpoint.startsWith(`ipc://${c.bus.runDir}${path.sep}`)).toBe(true);
    expect(c.bus.ackEndpoint.startsWith(`ipc://${c.bus.runDir}${path.sep}`)).toBe(true);
    expect(c.bus.pubEndpoint).not.toBe(c.bus.ackEndpoint);
  });

  it("the cli needs nothing", () => {
    const c = loadConfig("cli", {});
    expect(c.app).toBe("cli");
    expect(c.aws.region).toBe("us-east-1");
  });

  it("empty numeric values fall back to their defaults", () => {
    const c = loadConfig("poller", env({ OAM_SQS_WAIT_SECONDS: "", OAM_SQS_BATCH_SIZE: " ", DAYS_RETENTION: "" }));
    expect(c.sqs.waitSeconds).toBe(20);
    expect(c.sqs.batchSize).toBe(10);
    expect(loadConfig("janitor", env({ DAYS_RETENTION: "" })).janitor.retentionDays).toBe(30);
  });

  it("reads explicit values", () => {
    const e = env({
      OAM_SQS_WAIT_SECONDS: "0",
      OAM_SQS_BATCH_SIZE: "1",
      DAYS_RETENTION: "7",
      OAM_JANITOR_SCHEDULE: "*/5 * * * *",
      OAM_CATALOG_URL: "http://127.0.0.1:4000",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4569",
      OAM_S3_FORCE_PATH_STYLE: "true",
      OAM_JANITOR_RUN_ON_START: "yes",
    });
    const c = loadConfig("janitor", e);
    const poller = loadConfig("poller", e);
    expect(poller.sqs.waitSeconds).toBe(0);
    expect(poller.sqs.batchSize).toBe(1);
    expect(c.janitor.retentionDays).toBe(7);
    expect(c.janitor.schedule).toBe("*/5 * * * *");
    expect(c.janitor.runOnStart).toBe(true);
    expect(loadConfig("catalog-notifier", e).catalog.url).toBe("http://127.0.0.1:4000");
    expect(c.aws.sqsEndpoint).toBe("http://127.0.0.1:4566");
    expect(c.aws.s3Endpoint).toBe("http://127.0.0.1:4569");
    expect(c.aws.forcePathStyle).toBe(true);
  });
});

describe("each app sees the sections it uses", () => {
  it("and nothing else, with no placeholder for what it does not read", () => {
    expect(Object.keys(loadConfig("poller", env())).sort()).toEqual(["app", "aws", "bus", "log", "mail", "poller", "s3Acl", "sqs", "status", "stopTimeoutMs"]);
    expect(Object.keys(loadConfig("status-writer", env())).sort()).toEqual(["app", "aws", "bus", "log", "mail", "messageBound", "s3Acl", "s3MaxBackoffMs", "status", "stopTimeoutMs"]);
    expect(Object.keys(loadConfig("catalog-notifier", env())).sort()).toEqual([
      "app", "aws", "bus", "catalog", "log", "mail", "messageBound", "s3Acl", "s3MaxBackoffMs", "status", "stopTimeoutMs", "suiteId",
    ]);
    expect(Object.keys(loadConfig("janitor", env())).sort()).toEqual(["app", "aws", "health", "janitor", "log", "mail", "metrics", "queueUrl", "s3Acl", "status", "stopTimeoutMs"]);
    expect(Object.keys(loadConfig("cli", {})).sort()).toEqual(["app", "aws", "health", "log", "mail", "stopTimeoutMs"]);
  });

  it("the janitor shows the backlog only of a queue it is given", () => {
    expect(loadConfig("janitor", env()).queueUrl).toBe(base.OAM_STATUS_SQS_QUEUE_URL);
    expect(loadConfig("janitor", env({ OAM_STATUS_SQS_QUEUE_URL: undefined })).queueUrl).toBeUndefined();
  });

  it("only the catalog notifier needs the catalog token", () => {
    for (const app of ["poller", "status-writer", "janitor"] as const) expect(loadConfig(app, env({ OAM_API_TOKEN: undefined })).app).toBe(app);
  });

  it("a bad value in a variable an app does not use still stops it, naming the variable", () => {
    expect(configError("status-writer", env({ OAM_JANITOR_SCHEDULE: "not cron" })).variable).toBe("OAM_JANITOR_SCHEDULE");
    expect(configError("janitor", env({ OAM_BUS_PUB_ENDPOINT: "tcp://0.0.0.0:5555" })).variable).toBe("OAM_BUS_PUB_ENDPOINT");
  });
});

describe("region", () => {
  it("accepts AWS_DEFAULT_REGION when AWS_REGION is missing", () => {
    const c = loadConfig("status-writer", env({ AWS_REGION: undefined, AWS_DEFAULT_REGION: "ap-southeast-2" }));
    expect(c.aws.region).toBe("ap-southeast-2");
  });

  it("prefers AWS_REGION over AWS_DEFAULT_REGION", () => {
    const c = loadConfig("status-writer", env({ AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ap-southeast-2" }));
    expect(c.aws.region).toBe("us-west-2");
  });

  it.each(["poller", "status-writer", "catalog-notifier", "janitor"] as AppName[])("%s without any region throws on AWS_REGION", (app) => {
    expect(configError(app, env({ AWS_REGION: undefined })).variable).toBe("AWS_REGION");
  });
});

describe("required variables", () => {
  it("the poller without OAM_STATUS_SQS_QUEUE_URL throws naming it", () => {
    const err = configError("poller", env({ OAM_STATUS_SQS_QUEUE_URL: undefined }));
    expect(err.variable).toBe("OAM_STATUS_SQS_QUEUE_URL");
    expect(err.message).toBe("OAM_STATUS_SQS_QUEUE_URL is required");
  });

  it("the status-writer does not need the queue URL", () => {
    expect(loadConfig("status-writer", env({ OAM_STATUS_SQS_QUEUE_URL: undefined })).status.bucket).toBe("oam-status");
  });

  it.each(["poller", "status-writer", "catalog-notifier", "janitor"] as AppName[])("%s needs OAM_STATUS_BUCKET and OAM_STATUS_PREFIX", (app) => {
    expect(configError(app, env({ OAM_STATUS_BUCKET: undefined })).variable).toBe("OAM_STATUS_BUCKET");
    expect(configError(app, env({ OAM_STATUS_PREFIX: undefined })).variable).toBe("OAM_STATUS_PREFIX");
  });
});

describe("malformed values", () => {
  it.each([
    ["OAM_SQS_WAIT_SECONDS", "abc"],
    ["OAM_SQS_WAIT_SECONDS", "21"],
    ["OAM_SQS_WAIT_SECONDS", "-1"],
    ["OAM_SQS_WAIT_SECONDS", "2.5"],
    ["OAM_SQS_BATCH_SIZE", "11"],
    ["OAM_SQS_BATCH_SIZE", "0"],
    ["DAYS_RETENTION", "-1"],
    ["DAYS_RETENTION", "0"],
    ["DAYS_RETENTION", "a month"],
    ["DAYS_RETENTION", "Infinity"],
    ["OAM_JANITOR_SCHEDULE", "not cron"],
    ["OAM_JANITOR_SCHEDULE", "61 * * * *"],
    ["OAM_CATALOG_URL", "ftp://x"],
    ["OAM_CATALOG_URL", "api.openaerialmap.org"],
    ["OAM_STATUS_BUCKET", "Bad_Bucket"],
    ["OAM_STATUS_BUCKET", "ab"],
    ["OAM_STATUS_BUCKET", "-bucket"],
    ["OAM_STATUS_SQS_QUEUE_URL", "not a url"],
    ["MOCK_OAM_API", "maybe"],
    ["OAM_S3_FORCE_PATH_STYLE", "sure"],
    ["AWS_ENDPOINT_URL", "localhost:4566"],
    ["OAM_BUS_PUB_ENDPOINT", "udp://127.0.0.1:1"],
    ["OAM_BUS_ACK_ENDPOINT", "tcp://127.0.0.1"],
    ["MAILHOST", "smtp host"],
  ])("%s=%j throws a ConfigError naming it", (variable, value) => {
    const err = configError("janitor", env({ [variable]: value }));
    expect(err.variable).toBe(variable);
    expect(err.reason.length).toBeGreaterThan(0);
  });

  it("gives the allowed range for a number out of range", () => {
    expect(configError("poller", env({ OAM_SQS_WAIT_SECONDS: "21" })).message).toBe("OAM_SQS_WAIT_SECONDS must be a whole number from 0 to 20");
    expect(configError("poller", env({ OAM_SQS_BATCH_SIZE: "11" })).message).toBe("OAM_SQS_BATCH_SIZE must be a whole number from 1 to 10");
    expect(configError("catalog-notifier", env({ OAM_CATALOG_CONCURRENCY: "0" })).message).toBe("OAM_CATALOG_CONCURRENCY must be a whole number from 1 to 100");
    expect(loadConfig("catalog-notifier", env({ OAM_CATALOG_CONCURRENCY: "3" })).catalog.maxConcurrentPosts).toBe(3);
  });

  it.each([
    ["MOCK_OAM_API", "maybe"],
    ["OAM_S3_FORCE_PATH_STYLE", "sure"],
    ["OAM_JANITOR_RUN_ON_START", "perhaps"],
    ["OAM_BUS_ALLOW_PUBLIC", "2"],
  ])("the one-line error for %s=%j names the variable exactly once", (variable, value) => {
    const err = configError("janitor", env({ [variable]: value }));
    expect(err.variable).toBe(variable);
    expect(err.message.split(variable).length - 1).toBe(1);
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["yes", true],
    ["on", true],
    ["false", false],
    ["0", false],
    ["no", false],
    ["off", false],
    ["", false],
  ])("MOCK_OAM_API=%j is %s", (value, expected) => {
    expect(loadConfig("catalog-notifier", env({ MOCK_OAM_API: value })).catalog.mock).toBe(expected);
  });

  it("rejects a MAILHOST port above 65535", () => {
    const err = configError("janitor", env({ MAILHOST: "mail.example.com:99999", LOG_SENDER: "a@example.com", LOG_RECIPIENT: "b@example.com" }));
    expect(err.variable).toBe("MAILHOST");
  });
});

describe("status prefix", () => {
  it.each([
    ["/statuses/", "statuses"],
    ["statuses/", "statuses"],
    ["//statuses", "statuses"],
    [" statuses ", "statuses"],
    ["a/b", "a/b"],
    ["/a/b/", "a/b"],
  ])("%j is normalised to %j", (value, expected) => {
    expect(loadConfig("status-writer", env({ OAM_STATUS_PREFIX: value })).status.prefix).toBe(expected);
  });

  it.each(["", "/", "//", "a/../b", "..", "./a", "a/./b", "a//b", "a\\b", "a\u0000b"])("%j is rejected", (value) => {
    expect(configError("status-writer", env({ OAM_STATUS_PREFIX: value })).variable).toBe("OAM_STATUS_PREFIX");
  });
});

describe("catalog token", () => {
  it("catalog-notifier requires a token", () => {
    const err = configError("catalog-notifier", env({ OAM_API_TOKEN: undefined }));
    expect(err.variable).toBe("OAM_API_TOKEN");
    expect(err.reason).toMatch(/MOCK_OAM_API/);
  });

  it("an empty token counts as missing", () => {
    expect(configError("catalog-notifier", env({ OAM_API_TOKEN: "" })).variable).toBe("OAM_API_TOKEN");
  });

  it("catalog-notifier starts without a token when MOCK_OAM_API=true", () => {
    const c = loadConfig("catalog-notifier", env({ OAM_API_TOKEN: undefined, MOCK_OAM_API: "true" }));
    expect(c.catalog.mock).toBe(true);
    expect(c.catalog.token).toBeUndefined();
  });

  it("reads OAM_API_TOKEN", () => {
    expect(loadConfig("catalog-notifier", env()).catalog.token).toBe(TOKEN);
  });

  it("accepts the older OAM_UPLOADER_TOKEN", () => {
    const c = loadConfig("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_UPLOADER_TOKEN: "uploader-token-1" }));
    expect(c.catalog.token).toBe("uploader-token-1");
  });

  it("prefers OAM_API_TOKEN over OAM_UPLOADER_TOKEN", () => {
    const c = loadConfig("catalog-notifier", env({ OAM_UPLOADER_TOKEN: "uploader-token-1" }));
    expect(c.catalog.token).toBe(TOKEN);
  });

  it("reads OAM_API_TOKEN_FILE and trims its trailing newline", () => {
    const file = path.join(tmp, "token");
    writeFileSync(file, "file-token-abc123\n");
    const c = loadConfig("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: file }));
    expect(c.catalog.token).toBe("file-token-abc123");
  });

  it("trims a CRLF line end from the token file", () => {
    const file = path.join(tmp, "token-crlf");
    writeFileSync(file, "file-token-crlf\r\n");
    expect(loadConfig("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: file })).catalog.token).toBe("file-token-crlf");
  });

  it("an empty token file (compose's /dev/null secret) leaves the token to OAM_API_TOKEN or OAM_UPLOADER_TOKEN", () => {
    const file = path.join(tmp, "token-empty-2");
    writeFileSync(file, "");
    expect(loadConfig("catalog-notifier", env({ OAM_API_TOKEN_FILE: file })).catalog.token).toBe(TOKEN);
    expect(loadConfig("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_UPLOADER_TOKEN: "older-name-token", OAM_API_TOKEN_FILE: file })).catalog.token).toBe(
      "older-name-token",
    );
  });

  it("a token file and a variable with the same token are fine; different tokens are an error naming the file's variable", () => {
    const file = path.join(tmp, "token-same");
    writeFileSync(file, `${TOKEN}\n`);
    expect(loadConfig("catalog-notifier", env({ OAM_API_TOKEN_FILE: file })).catalog.token).toBe(TOKEN);
    writeFileSync(file, "another-token-value\n");
    const err = configError("catalog-notifier", env({ OAM_API_TOKEN_FILE: file }));
    expect(err.variable).toBe("OAM_API_TOKEN_FILE");
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain("another-token-value");
  });

  it("an empty token file leaves the notifier without a token", () => {
    const file = path.join(tmp, "token-empty");
    writeFileSync(file, "\n");
    expect(configError("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: file })).variable).toBe("OAM_API_TOKEN");
  });

  it("a missing token file throws on OAM_API_TOKEN_FILE", () => {
    const file = path.join(tmp, "does-not-exist");
    const err = configError("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: file }));
    expect(err.variable).toBe("OAM_API_TOKEN_FILE");
    expect(err.reason).toMatch(/ENOENT/);
  });

  it("a token file that is a directory throws on OAM_API_TOKEN_FILE", () => {
    const dir = path.join(tmp, "token-dir");
    mkdirSync(dir, { recursive: true });
    expect(configError("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: dir })).variable).toBe("OAM_API_TOKEN_FILE");
  });
});

describe("ConfigError never contains the token", () => {
  const badValues: Array<Record<string, string | undefined>> = [
    { OAM_SQS_WAIT_SECONDS: "abc" },
    { OAM_STATUS_BUCKET: "Bad_Bucket" },
    { OAM_CATALOG_URL: "ftp://x" },
    { OAM_BUS_PUB_ENDPOINT: "tcp://0.0.0.0:5555" },
    { MAILHOST: "mail.example.com" },
    { OAM_STATUS_PREFIX: "/" },
    { MOCK_OAM_API: "maybe" },
    { AWS_REGION: undefined },
  ];

  it.each(badValues)("with the token in OAM_API_TOKEN and a bad %j", (over) => {
    for (const app of ALL_APPS.filter((a) => a !== "cli")) {
      const err = configError(app, env(over));
      expect(err.message).not.toContain(TOKEN);
      expect(err.reason).not.toContain(TOKEN);
      expect(String(err)).not.toContain(TOKEN);
      expect(JSON.stringify({ ...err, message: err.message })).not.toContain(TOKEN);
    }
  });

  it("with the token in OAM_UPLOADER_TOKEN", () => {
    const err = configError("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_UPLOADER_TOKEN: TOKEN, OAM_SQS_BATCH_SIZE: "99" }));
    expect(err.message).not.toContain(TOKEN);
  });

  it("with the token given in a variable that is validated (token pasted into OAM_CATALOG_URL by mistake)", () => {
    const err = configError("catalog-notifier", env({ OAM_CATALOG_URL: TOKEN }));
    expect(err.variable).toBe("OAM_CATALOG_URL");
    expect(err.message).not.toContain(TOKEN);
  });

  it("with the token read from a file and another variable bad", () => {
    const file = path.join(tmp, "token-secret");
    writeFileSync(file, `${TOKEN}\n`);
    const err = configError("catalog-notifier", env({ OAM_API_TOKEN: undefined, OAM_API_TOKEN_FILE: file, MAILHOST: "m.example.com" }));
    expect(err.message).not.toContain(TOKEN);
  });
});

describe("janitor schedule", () => {
  it("accepts a 6-field cron with seconds", () => {
    expect(loadConfig("janitor", env({ OAM_JANITOR_SCHEDULE: "30 0 0 * * *" })).janitor.schedule).toBe("30 0 0 * * *");
  });

  it("accepts a 5-field cron", () => {
    expect(loadConfig("janitor", env({ OAM_JANITOR_SCHEDULE: "15 3 * * 1-5" })).janitor.schedule).toBe("15 3 * * 1-5");
  });

  it("accepts a fractional retention", () => {
    expect(loadConfig("janitor", env({ DAYS_RETENTION: "0.5" })).janitor.retentionDays).toBe(0.5);
  });
});

describe("bus endpoints", () => {
  it.each([
    ["OAM_BUS_PUB_ENDPOINT", "tcp://0.0.0.0:5555"],
    ["OAM_BUS_ACK_ENDPOINT", "tcp://0.0.0.0:5556"],
    ["OAM_BUS_PUB_ENDPOINT", "tcp://*:5555"],
    ["OAM_BUS_PUB_ENDPOINT", "tcp://192.168.1.10:5555"],
    ["OAM_BUS_PUB_ENDPOINT", "tcp://[::]:5555"],
    ["OAM_BUS_PUB_ENDPOINT", "tcp://eth0:5555"],
  ])("%s=%s (not loopback) is rejected", (variable, value) => {
    const err = configError("poller", env({ [variable]: value }));
    expect(err.variable).toBe(variable);
    expect(err.reason).toMatch(/loopback/);
  });

  it("a host name that merely starts with 127. is not loopback", () => {
    const err = configError("poller", env({ OAM_BUS_PUB_ENDPOINT: "tcp://127.0.0.1.attacker.example:5555" }));
    expect(err.variable).toBe("OAM_BUS_PUB_ENDPOINT");
  });

  it.each(["tcp://127.0.0.1:5555", "tcp://localhost:5555", "tcp://[::1]:5555", "tcp://127.0.0.2:5555", "inproc://bus"])("%s is accepted", (value) => {
    const c = loadConfig("poller", env({ OAM_BUS_PUB_ENDPOINT: value, OAM_BUS_ACK_ENDPOINT: "tcp://127.0.0.1:5556" }));
    expect(c.bus.pubEndpoint).toBe(value);
    expect(c.bus.ackEndpoint).toBe("tcp://127.0.0.1:5556");
  });

  it("an explicit ipc endpoint is kept", () => {
    const c = loadConfig("poller", env({ OAM_BUS_PUB_ENDPOINT: "ipc:///tmp/x/pub.sock" }));
    expect(c.bus.pubEndpoint).toBe("ipc:///tmp/x/pub.sock");
  });

  it("0.0.0.0 is accepted with OAM_BUS_ALLOW_PUBLIC=true", () => {
    const c = loadConfig(
      "poller",
      env({ OAM_BUS_PUB_ENDPOINT: "tcp://0.0.0.0:5555", OAM_BUS_ACK_ENDPOINT: "tcp://0.0.0.0:5556", OAM_BUS_ALLOW_PUBLIC: "true" }),
    );
    expect(c.bus.pubEndpoint).toBe("tcp://0.0.0.0:5555");
    expect(c.bus.ackEndpoint).toBe("tcp://0.0.0.0:5556");
  });

  it("OAM_BUS_ALLOW_PUBLIC=false still rejects 0.0.0.0", () => {
    expect(configError("poller", env({ OAM_BUS_PUB_ENDPOINT: "tcp://0.0.0.0:5555", OAM_BUS_ALLOW_PUBLIC: "false" })).variable).toBe(
      "OAM_BUS_PUB_ENDPOINT",
    );
  });
});

describe("DEBUG", () => {
  it("DEBUG=oam:* turns debug on for every app", () => {
    for (const app of ALL_APPS) expect(loadConfig(app, env({ DEBUG: "oam:*", MOCK_OAM_API: "true" })).log.debug).toBe(true);
  });

  it("DEBUG=* turns debug on for every app", () => {
    for (const app of ALL_APPS) expect(loadConfig(app, env({ DEBUG: "*" })).log.debug).toBe(true);
  });

  it("DEBUG=oam:poller turns debug on for the poller only", () => {
    for (const app of ALL_APPS) expect(loadConfig(app, env({ DEBUG: "oam:poller" })).log.debug).toBe(app === "poller");
  });

  it("a comma-separated list enables each named app", () => {
    const e = env({ DEBUG: "express:*, oam:janitor,oam:status-writer" });
    for (const app of ALL_APPS) expect(loadConfig(app, e).log.debug).toBe(app === "janitor" || app === "status-writer");
  });

  it.each(["", "express:*", "oam", "oam:", "poller", "oam:poller2"])("DEBUG=%j leaves the poller's debug off", (value) => {
    expect(loadConfig("poller", env({ DEBUG: value })).log.debug).toBe(false);
  });

  it("no DEBUG leaves debug off", () => {
    expect(loadConfig("poller", env()).log.debug).toBe(false);
  });
});

describe("mail", () => {
  it("MAILHOST without LOG_SENDER throws on LOG_SENDER", () => {
    expect(configError("janitor", env({ MAILHOST: "mail.example.com", LOG_RECIPIENT: "ops@example.com" })).variable).toBe("LOG_SENDER");
  });

  it("MAILHOST and LOG_SENDER without LOG_RECIPIENT throws on LOG_RECIPIENT", () => {
    expect(configError("janitor", env({ MAILHOST: "mail.example.com", LOG_SENDER: "oam@example.com" })).variable).toBe("LOG_RECIPIENT");
  });

  it("LOG_SENDER without MAILHOST throws on MAILHOST", () => {
    expect(configError("janitor", env({ LOG_SENDER: "oam@example.com", LOG_RECIPIENT: "ops@example.com" })).variable).toBe("MAILHOST");
  });

  it("a complete mail setup defaults to port 25", () => {
    const c = loadConfig("janitor", env({ MAILHOST: "mail.example.com", LOG_SENDER: "oam@example.com", LOG_RECIPIENT: "ops@example.com" }));
    expect(c.mail).toEqual({ host: "mail.example.com", port: 25, sender: "oam@example.com", recipient: "ops@example.com", batchMs: 60_000 });
  });

  it("reads the port from host:port", () => {
    const c = loadConfig("janitor", env({ MAILHOST: "mail.example.com:2525", LOG_SENDER: "oam@example.com", LOG_RECIPIENT: "ops@example.com" }));
    expect(c.mail).toMatchObject({ host: "mail.example.com", port: 2525 });
  });

  it("an empty MAILHOST with no sender or recipient means no mail", () => {
    expect(loadConfig("janitor", env({ MAILHOST: "" })).mail).toBeUndefined();
  });
});

describe("derived values", () => {
  it("converts seconds to milliseconds", () => {
    const e = env({ OAM_ACK_TIMEOUT_SECONDS: "7", OAM_CATALOG_TIMEOUT_SECONDS: "3", OAM_STOP_TIMEOUT_SECONDS: "4", OAM_S3_MAX_BACKOFF_SECONDS: "5" });
    const c = loadConfig("catalog-notifier", e);
    expect(loadConfig("poller", e).poller.ackTimeoutMs).toBe(7000);
    expect(c.catalog.timeoutMs).toBe(3000);
    expect(c.stopTimeoutMs).toBe(4000);
    expect(c.s3MaxBackoffMs).toBe(5000);
  });

  it("uses OAM_SUITE_ID when given, else host and run dir", () => {
    expect(loadConfig("catalog-notifier", env({ OAM_SUITE_ID: "suite-a" })).suiteId).toBe("suite-a");
    const c = loadConfig("catalog-notifier", env({ OAM_RUN_DIR: path.join(tmp, "r2") }));
    expect(c.suiteId).toBe(`${os.hostname()}:${path.join(tmp, "r2")}`);
  });

  it("does not read process.env when an env object is given", () => {
    const before = process.env.OAM_STATUS_BUCKET;
    process.env.OAM_STATUS_BUCKET = "from-process-env";
    try {
      expect(loadConfig("status-writer", env()).status.bucket).toBe("oam-status");
      expect(configError("status-writer", env({ OAM_STATUS_BUCKET: undefined })).variable).toBe("OAM_STATUS_BUCKET");
    } finally {
      if (before === undefined) delete process.env.OAM_STATUS_BUCKET;
      else process.env.OAM_STATUS_BUCKET = before;
    }
  });
});

describe("object ACL (OAM_S3_ACL)", () => {
  it("sends bucket-owner-full-control by default, as the original publisher did", () => {
    expect(loadConfig("status-writer", env()).s3Acl).toBe("bucket-owner-full-control");
    expect(loadConfig("status-writer", env({ OAM_S3_ACL: "" })).s3Acl).toBe("bucket-owner-full-control");
  });

  it("takes another canned ACL, or none to send no ACL", () => {
    expect(loadConfig("status-writer", env({ OAM_S3_ACL: "private" })).s3Acl).toBe("private");
    expect(loadConfig("status-writer", env({ OAM_S3_ACL: "none" })).s3Acl).toBeUndefined();
  });

  it("rejects a value that is not a canned ACL, naming the variable and the choices", () => {
    const err = configError("status-writer", env({ OAM_S3_ACL: "bucket-owner-full" }));
    expect(err.variable).toBe("OAM_S3_ACL");
    expect(err.message).toContain("bucket-owner-full-control");
    expect(err.message).toContain("none");
  });
});

describe("LOG_DIR", () => {
  it("replaces {hostname} with this host's name, so replicas on one volume keep their logs apart", () => {
    expect(loadConfig("cli", env({ LOG_DIR: "/data/log/{hostname}" })).log.dir).toBe(`/data/log/${os.hostname()}`);
    expect(loadConfig("cli", env({ LOG_DIR: "/var/log/oam" })).log.dir).toBe("/var/log/oam");
  });
});

describe("monitoring endpoint", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "oam-metrics-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("listens on loopback port 9477 with no token by default, and asks SQS for the backlog once a minute", () => {
    expect(loadConfig("janitor", env()).metrics).toEqual({ host: "127.0.0.1", port: 9477, token: undefined, backlogIntervalMs: 60_000 });
  });

  it("takes a host, a port (0: no endpoint) and a token", () => {
    const c = loadConfig("janitor", env({ OAM_METRICS_HOST: "0.0.0.0", OAM_METRICS_PORT: "0", OAM_METRICS_TOKEN: "scrape-token-1", OAM_METRICS_BACKLOG_SECONDS: "300" }));
    expect(c.metrics).toEqual({ host: "0.0.0.0", port: 0, token: "scrape-token-1", backlogIntervalMs: 300_000 });
  });

  it("reads OAM_METRICS_TOKEN_FILE", () => {
    const file = path.join(dir, "metrics-token");
    writeFileSync(file, "scrape-token-from-file\n");
    expect(loadConfig("janitor", env({ OAM_METRICS_TOKEN_FILE: file })).metrics.token).toBe("scrape-token-from-file");
  });

  it("names the variable when a value is wrong", () => {
    expect(configError("janitor", env({ OAM_METRICS_PORT: "70000" })).variable).toBe("OAM_METRICS_PORT");
    expect(configError("janitor", env({ OAM_METRICS_HOST: " " })).variable).toBe("OAM_METRICS_HOST");
    expect(configError("janitor", env({ OAM_METRICS_BACKLOG_SECONDS: "10" })).variable).toBe("OAM_METRICS_BACKLOG_SECONDS");
    expect(configError("janitor", env({ OAM_METRICS_TOKEN_FILE: path.join(dir, "missing") })).variable).toBe("OAM_METRICS_TOKEN_FILE");
  });
});
