// Secrets registered with the logger never reach a line, at any level, in any part of the line.
import { Writable } from "node:stream";
import winston from "winston";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, redact, registerSecret, type Logger } from "../../apps/shared/runtime/logger";

// registerSecret is process-wide; each value is unique to this file.
const SECRET = "tok_9aF3kQ7zLm2Xw8Rv";
const QUOTED = 'pa"ss-wo"rd-77';
const BACKSLASHED = "back\\slash\\secret";
const CONTROL = "tab\there-secret";
registerSecret(SECRET);
registerSecret(QUOTED);
registerSecret(BACKSLASHED);
registerSecret(CONTROL);

const ALL_SECRETS = [SECRET, QUOTED, BACKSLASHED, CONTROL];
const escaped = (s: string) => JSON.stringify(s).slice(1, -1);

function expectNoSecrets(text: string): void {
  for (const s of ALL_SECRETS) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(escaped(s));
  }
}

describe("redact", () => {
  it("replaces a registered secret", () => {
    expect(redact(`token=${SECRET} end`)).toBe("token=[REDACTED] end");
  });

  it("replaces every occurrence", () => {
    expect(redact(`${SECRET}/${SECRET}:${SECRET}`)).toBe("[REDACTED]/[REDACTED]:[REDACTED]");
  });

  it("replaces a secret containing a quote when it appears JSON-escaped", () => {
    const line = JSON.stringify({ message: `using ${QUOTED}` });
    expect(line).toContain('pa\\"ss');
    const out = redact(line);
    expect(out).not.toContain(escaped(QUOTED));
    expect(JSON.parse(out)).toEqual({ message: "using [REDACTED]" });
  });

  it("replaces a secret containing a backslash when it appears JSON-escaped", () => {
    const line = JSON.stringify({ token: BACKSLASHED });
    const out = redact(line);
    expect(out).not.toContain(escaped(BACKSLASHED));
    expect(JSON.parse(out)).toEqual({ token: "[REDACTED]" });
  });

  it("replaces a secret containing a control character when it appears JSON-escaped", () => {
    const out = redact(JSON.stringify({ t: CONTROL }));
    expect(JSON.parse(out)).toEqual({ t: "[REDACTED]" });
  });

  it("replaces raw (unescaped) quoted and backslashed secrets too", () => {
    expect(redact(`a ${QUOTED} b ${BACKSLASHED} c`)).toBe("a [REDACTED] b [REDACTED] c");
  });

  it.each([
    ["Bearer xyz", "Bearer [REDACTED]"],
    ["Authorization: Bearer abc.def-ghi_123", "Authorization: Bearer [REDACTED]"],
    ["authorization: bearer lowercase-token", "authorization: bearer [REDACTED]"],
    ["BEARER   spaced", "BEARER   [REDACTED]"],
    ['{"authorization":"Bearer eyJhbGciOi.x.y"}', '{"authorization":"Bearer [REDACTED]"}'],
    ["h='Bearer q1w2e3', next", "h='Bearer [REDACTED]', next"],
  ])("removes the Bearer value in %j", (line, expected) => {
    expect(redact(line)).toBe(expected);
  });

  it("keeps a JSON line valid after redacting a Bearer value", () => {
    const line = JSON.stringify({ headers: { Authorization: "Bearer some-unregistered-token" }, n: 1 });
    expect(JSON.parse(redact(line))).toEqual({ headers: { Authorization: "Bearer [REDACTED]" }, n: 1 });
  });

  it("leaves a line without secrets unchanged", () => {
    const line = '{"level":"info","message":"posted job test-job","status":200}';
    expect(redact(line)).toBe(line);
  });

  it("ignores values shorter than 4 characters and undefined", () => {
    registerSecret("abc");
    registerSecret(undefined);
    registerSecret("");
    expect(redact("abc def")).toBe("abc def");
  });

  it("redacts a secret registered after a line format was set up", () => {
    const late = "late-registered-secret-42";
    expect(redact(`x ${late}`)).toBe(`x ${late}`);
    registerSecret(late);
    expect(redact(`x ${late}`)).toBe("x [REDACTED]");
  });

  it("fully redacts a secret that contains a shorter registered secret", () => {
    const short = "shortsec";
    const long = "shortsec-and-its-long-tail";
    registerSecret(short);
    registerSecret(long);
    const out = redact(`a ${long} b ${short} c`);
    expect(out).not.toContain("and-its-long-tail");
    expect(out).not.toContain(short);
    expect(out).toBe("a [REDACTED] b [REDACTED] c");
  });
});

// A logger as createLogger makes it, writing to a captured stream instead of the console.
function capturedLogger(opts: { debug?: boolean } = {}): { logger: Logger; lines: () => string[] } {
  const logger = createLogger("unit-test", opts);
  for (const t of [...logger.transports]) if (t instanceof winston.transports.Console) logger.remove(t);
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  logger.add(new winston.transports.Stream({ stream }));
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.trim() !== ""),
  };
}

const loggers: Logger[] = [];
afterEach(() => {
  for (const l of loggers.splice(0)) l.close();
});

describe("createLogger output", () => {
  const levels = ["debug", "info", "warn", "error"] as const;

  it("writes one JSON line per call with app, level, message and timestamp", () => {
    const { logger, lines } = capturedLogger();
    loggers.push(logger);
    logger.info("hello", { jobId: "j1" });
    const out = lines();
    expect(out).toHaveLength(1);
    const rec = JSON.parse(out[0]);
    expect(rec).toMatchObject({ level: "info", message: "hello", jobId: "j1", app: "unit-test", pid: process.pid });
    expect(typeof rec.timestamp).toBe("string");
  });

  it("drops debug lines unless debug is on", () => {
    const off = capturedLogger();
    const on = capturedLogger({ debug: true });
    loggers.push(off.logger, on.logger);
    off.logger.debug("quiet");
    on.logger.debug("loud");
    expect(off.lines()).toHaveLength(0);
    expect(on.lines().map((l) => JSON.parse(l).message)).toEqual(["loud"]);
  });

  it.each(levels)("never outputs a secret in the message at %s", (level) => {
    const { logger, lines } = capturedLogger({ debug: true });
    loggers.push(logger);
    for (const s of ALL_SECRETS) logger[level](`calling catalog with ${s}`);
    const out = lines();
    expect(out).toHaveLength(ALL_SECRETS.length);
    expectNoSecrets(out.join("\n"));
    for (const l of out) {
      const rec = JSON.parse(l);
      expect(rec.level).toBe(level);
      expect(rec.message).toBe("calling catalog with [REDACTED]");
    }
  });

  it.each(levels)("never outputs a secret in nested metadata at %s", (level) => {
    const { logger, lines } = capturedLogger({ debug: true });
    loggers.push(logger);
    logger[level]("request", {
      request: { headers: { authorization: `Bearer ${SECRET}`, "x-api-key": QUOTED }, body: { token: BACKSLASHED } },
      list: [CONTROL, { deeper: [SECRET] }],
      [SECRET]: "secret as a key",
    });
    const out = lines();
    expect(out).toHaveLength(1);
    expectNoSecrets(out[0]);
    const rec = JSON.parse(out[0]);
    expect(rec.request.headers.authorization).toBe("Bearer [REDACTED]");
    expect(rec.request.headers["x-api-key"]).toBe("[REDACTED]");
    expect(rec.request.body.token).toBe("[REDACTED]");
    expect(rec.list).toEqual(["[REDACTED]", { deeper: ["[REDACTED]"] }]);
  });

  it.each(levels)("never outputs a secret from an Error at %s", (level) => {
    const { logger, lines } = capturedLogger({ debug: true });
    loggers.push(logger);
    logger[level](new Error(`catalog refused token ${SECRET}`));
    logger[level]("post failed", new Error(`401 for Bearer ${QUOTED}`));
    logger[level]("post failed", { err: new Error(`bad ${BACKSLASHED}`), reason: `auth ${CONTROL}` });
    const out = lines();
    expect(out).toHaveLength(3);
    expectNoSecrets(out.join("\n"));
    for (const l of out) expect(() => JSON.parse(l)).not.toThrow();
    expect(JSON.parse(out[0]).message).toContain("catalog refused token [REDACTED]");
  });

  it("never outputs a Bearer token that was not registered", () => {
    const { logger, lines } = capturedLogger();
    loggers.push(logger);
    logger.warn("retrying", { headers: { Authorization: "Bearer unregistered-Zz9" } });
    logger.error("failed: Authorization: Bearer unregistered-Yy8");
    const text = lines().join("\n");
    expect(text).not.toContain("unregistered-Zz9");
    expect(text).not.toContain("unregistered-Yy8");
  });

  it("never outputs a secret passed through splat-style formatting", () => {
    const { logger, lines } = capturedLogger();
    loggers.push(logger);
    logger.log({ level: "info", message: "payload", token: SECRET, nested: { a: { b: { c: QUOTED } } } });
    const out = lines();
    expect(out).toHaveLength(1);
    expectNoSecrets(out[0]);
  });
});
