// parseBody: raw SQS body -> status message, test ping, or InvalidMessageError naming field and reason.
// rankOf/compareRank/formatRank/parseRank: a message's place in its job's history.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidMessageError } from "../../apps/shared/util/errors";
import {
  MAX_DEPTH,
  MAX_JOB_ID_LENGTH,
  compareRank,
  formatRank,
  isMosaicFinished,
  parseBody,
  parseRank,
  rankOf,
  type Rank,
  type StatusMessage,
} from "../../apps/shared/domain/message";

// The same six lines as /work/shared/samples/seed-messages.jsonl, kept in the repository.
const SEED_FILE = path.join(__dirname, "../fixtures/seed-messages.jsonl");
const seedLines = readFileSync(SEED_FILE, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "");

const valid = { jobId: "job-1", stage: "chunk", status: "STARTED" };
const body = (extra: Record<string, unknown>) => JSON.stringify({ ...valid, ...extra });
const finished = {
  jobId: "job-1",
  stage: "mosaic",
  status: "FINISHED",
  target: "s3://oam-tiles/job-1",
  images: ["http://bucket.s3.amazonaws.com/a.tif"],
};

/** Asserts parseBody throws an InvalidMessageError; returns it for further checks. */
function invalid(raw: string | undefined): InvalidMessageError {
  let thrown: unknown;
  try {
    parseBody(raw);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected parseBody(${JSON.stringify(raw)?.slice(0, 80)}) to throw`).toBeInstanceOf(InvalidMessageError);
  const err = thrown as InvalidMessageError;
  expect(err.name).toBe("InvalidMessageError");
  expect(err.reason.length).toBeGreaterThan(0);
  return err;
}

function statusOf(raw: string): StatusMessage {
  const parsed = parseBody(raw);
  expect(parsed.kind).toBe("status");
  if (parsed.kind !== "status") throw new Error("unreachable");
  return parsed.message;
}

describe("parseBody: seed messages", () => {
  it("the seed file has the six sample lines", () => {
    expect(seedLines).toHaveLength(6);
  });

  it.each(seedLines.map((l, i) => [i + 1, l]))("seed line %i parses as a status message", (_n, line) => {
    const parsed = parseBody(line as string);
    expect(parsed.kind).toBe("status");
    if (parsed.kind === "status") {
      const original = JSON.parse(line as string);
      expect(parsed.message).toEqual(original);
    }
  });

  it("covers both stages and all three statuses", () => {
    const messages = seedLines.map(statusOf);
    expect(new Set(messages.map((m) => m.stage))).toEqual(new Set(["chunk", "mosaic"]));
    expect(new Set(messages.map((m) => m.status))).toEqual(new Set(["STARTED", "FAILED", "FINISHED"]));
    expect(messages.filter(isMosaicFinished)).toHaveLength(1);
  });

  it("the seed mosaic FINISHED keeps its target and images", () => {
    const m = statusOf(seedLines[5]);
    expect(m.target).toBe("s3://oam-tiles/test-job");
    expect(m.images).toEqual(["http://bucketname.s3.amazonaws.com/image1.tif", "http://bucketname.s3.amazonaws.com/image2.tif"]);
  });

  it("the seed FAILED lines keep their error", () => {
    expect(statusOf(seedLines[1]).error).toBe("so many errors");
    expect(statusOf(seedLines[4]).error).toBe("scala errors oh my");
  });
});

describe("parseBody: test ping", () => {
  it('{"test": true} is kind "test" with its body', () => {
    expect(parseBody('{"test": true}')).toEqual({ kind: "test", body: { test: true } });
  });

  it("a test ping keeps its other fields", () => {
    const parsed = parseBody('{"test": true, "from": "ops"}');
    expect(parsed).toEqual({ kind: "test", body: { test: true, from: "ops" } });
  });

  it('{"test": "true"} (a string) is not a ping and is validated as a status message', () => {
    const err = invalid('{"test": "true"}');
    expect(err.field).toBe("jobId");
  });

  it("a test ping is still checked for forbidden keys", () => {
    const err = invalid('{"test": true, "__proto__": {"x": 1}}');
    expect(err.message).toContain("__proto__");
  });
});

describe("parseBody: not JSON or not an object", () => {
  it("an error string with an unescaped quote (as the tiler writes it) is rejected as not valid JSON", () => {
    const err = invalid('{"jobId":"j","stage":"chunk","status":"FAILED","error":"bad "quote""}');
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.field).toBeUndefined();
  });

  it.each([
    ["truncated", '{"jobId":"j","stage":"chunk"'],
    ["single quotes", "{'jobId':'j'}"],
    ["plain text", "hello"],
    ["trailing comma", '{"jobId":"j",}'],
  ])("%s is rejected as not valid JSON", (_name, raw) => {
    expect(invalid(raw).message).toMatch(/not valid JSON/);
  });

  it.each([
    ["empty", ""],
    ["spaces", "   "],
    ["newlines and tabs", "\n\t \r\n"],
  ])("an %s body is rejected as empty", (_name, raw) => {
    expect(invalid(raw).message).toMatch(/empty body/);
  });

  it("an undefined body is rejected as empty", () => {
    expect(invalid(undefined).message).toMatch(/empty body/);
  });

  it.each([
    ["[]", "an array"],
    ['[{"jobId":"j","stage":"chunk","status":"STARTED"}]', "an array"],
    ["null", "null"],
    ['"a string"', "a string"],
    ["42", "a number"],
    ["true", "a boolean"],
  ])("%s is rejected: body must be a JSON object, got %s", (raw, what) => {
    const err = invalid(raw);
    expect(err.message).toMatch(/body must be a JSON object/);
    expect(err.message).toContain(what);
  });
});

describe("parseBody: required fields and types", () => {
  it("a missing jobId is named and reported as required", () => {
    const err = invalid(JSON.stringify({ stage: "chunk", status: "STARTED" }));
    expect(err.field).toBe("jobId");
    expect(err.reason).toBe("is required");
    expect(err.message).toBe("jobId: is required");
  });

  it.each([
    ["stage"],
    ["status"],
  ])("a missing %s is named and reported as required", (field) => {
    const obj: Record<string, unknown> = { ...valid };
    delete obj[field];
    const err = invalid(JSON.stringify(obj));
    expect(err.field).toBe(field);
    expect(err.message).toBe(`${field}: is required`);
  });

  it("a body with none of the required fields names the first one", () => {
    const err = invalid('{"hello": "world"}');
    expect(["jobId", "stage", "status"]).toContain(err.field);
  });

  it.each([
    ["jobId", 5],
    ["jobId", null],
    ["jobId", ["a"]],
    ["stage", 1],
    ["status", true],
    ["error", 5],
    ["error", { text: "x" }],
    ["target", 7],
  ])("%s with the wrong type (%j) is rejected naming the field", (field, value) => {
    const err = invalid(body({ [field]: value }));
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
  });

  it("a non-string jobId says it must be a string", () => {
    expect(invalid(body({ jobId: 5 })).reason).toBe("must be a string");
  });

  it.each(["CHUNK", "tile", ""])("unknown stage %j is rejected listing the stages", (stage) => {
    const err = invalid(body({ stage }));
    expect(err.field).toBe("stage");
    expect(err.reason).toMatch(/chunk, mosaic/);
  });

  it.each(["DONE", "finished", "SUCCESS", ""])("unknown status %j is rejected listing the statuses", (status) => {
    const err = invalid(body({ status }));
    expect(err.field).toBe("status");
    expect(err.reason).toMatch(/STARTED, FAILED, FINISHED/);
  });
});

describe("parseBody: jobId safety (it becomes part of an S3 key)", () => {
  it.each([
    ["..", ".."],
    ["a/b", "a/b"],
    ["../x", "../x"],
    ["a leading dot", ".hidden"],
    ["a backslash", "a\\b"],
    ["a space", "a b"],
    ["a NUL", "a\u0000b"],
    ["a newline", "a\nb"],
    ["a DEL", "a\u007fb"],
    ["a tab", "a\tb"],
    ["a leading dash", "-x"],
    ["a non-ASCII letter", "jöb"],
    ["'..' in the middle", "a..b"],
  ])("a jobId with %s is rejected", (_name, jobId) => {
    const err = invalid(body({ jobId }));
    expect(err.field).toBe("jobId");
  });

  it("an empty jobId is rejected as empty", () => {
    const err = invalid(body({ jobId: "" }));
    expect(err.field).toBe("jobId");
    expect(err.reason).toMatch(/empty/);
  });

  it(`a jobId of ${MAX_JOB_ID_LENGTH + 1} characters is rejected with the limit`, () => {
    expect(MAX_JOB_ID_LENGTH).toBe(200);
    const err = invalid(body({ jobId: "a".repeat(201) }));
    expect(err.field).toBe("jobId");
    expect(err.reason).toContain("200");
  });

  it("a jobId of exactly 200 characters is accepted", () => {
    expect(statusOf(body({ jobId: "a".repeat(200) })).jobId).toHaveLength(200);
  });

  it.each(["test-job", "a", "Job_1.2-x", "9f0c2b4e-1d2a-4c3b-8e7f-0a1b2c3d4e5f", "a.b"])("jobId %j is accepted", (jobId) => {
    expect(statusOf(body({ jobId })).jobId).toBe(jobId);
  });
});

describe("parseBody: target and images", () => {
  it.each(["ftp://x", "not a url", "s3://", "file:///etc/passwd", "", "oam-tiles/job"])("target %j is rejected", (target) => {
    const err = invalid(body({ target }));
    expect(err.field).toBe("target");
    expect(err.reason).toMatch(/URL/);
  });

  it.each(["s3://oam-tiles/job", "http://example.com/tiles", "https://tiles.example.com/a/b/"])("target %j is accepted", (target) => {
    expect(statusOf(body({ target })).target).toBe(target);
  });

  it.each([["a string", "http://a/b.tif"], ["an object", { url: "http://a/b.tif" }], ["a number", 3], ["null", null]])(
    "images as %s is rejected as not an array",
    (_name, images) => {
      const err = invalid(body({ images }));
      expect(err.field).toBe("images");
      expect(err.reason).toMatch(/array/);
    },
  );

  it("an image that is not a URL is rejected, naming its index", () => {
    const err = invalid(body({ images: ["http://a.example/1.tif", "not a url"] }));
    expect(err.field).toBe("images.1");
    expect(err.reason).toMatch(/URL/);
  });

  it.each(["ftp://a.example/1.tif", "/vsicurl/ftp://a.example/1.tif", "/vsicurl/", 42])("image %j is rejected", (image) => {
    const err = invalid(body({ images: [image] }));
    expect(err.field).toMatch(/^images/);
  });

  it("/vsicurl/http(s):// image URLs are accepted and kept as received", () => {
    const images = [
      "/vsicurl/http://bucket.s3.amazonaws.com/a.tif",
      "/vsicurl/https://bucket.s3.amazonaws.com/b.tif",
      "s3://bucket/c.tif",
      "https://example.com/d.tif",
    ];
    const m = statusOf(JSON.stringify({ ...finished, images }));
    expect(m.images).toEqual(images);
  });
});

describe("parseBody: mosaic FINISHED", () => {
  it("with target and images parses", () => {
    const m = statusOf(JSON.stringify(finished));
    expect(isMosaicFinished(m)).toBe(true);
    expect(m).toEqual(finished);
  });

  it("without target is rejected on target", () => {
    const { target: _t, ...rest } = finished;
    const err = invalid(JSON.stringify(rest));
    expect(err.field).toBe("target");
    expect(err.reason).toMatch(/required/);
  });

  it("without images is rejected on images", () => {
    const { images: _i, ...rest } = finished;
    const err = invalid(JSON.stringify(rest));
    expect(err.field).toBe("images");
  });

  it("with an empty images array is rejected on images", () => {
    const err = invalid(JSON.stringify({ ...finished, images: [] }));
    expect(err.field).toBe("images");
  });

  it("target and images are optional for other stages/statuses", () => {
    for (const [stage, status] of [
      ["mosaic", "STARTED"],
      ["mosaic", "FAILED"],
      ["chunk", "FINISHED"],
    ]) {
      const m = statusOf(JSON.stringify({ jobId: "j", stage, status }));
      expect(m.target).toBeUndefined();
      expect(m.images).toBeUndefined();
    }
  });
});

function nested(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe("parseBody: shape limits", () => {
  it("JSON nested 40 levels deep in an extra field is rejected", () => {
    const err = invalid(body({ extra: nested(40) }));
    expect(err.message).toMatch(/nested deeper than 32/);
  });

  it("nested arrays count towards the depth limit too", () => {
    let v: unknown = 1;
    for (let i = 0; i < 40; i++) v = [v];
    expect(invalid(body({ extra: v })).message).toMatch(/nested/);
  });

  it(`nesting up to ${MAX_DEPTH} levels in total is accepted, one more is rejected`, () => {
    // The top-level object is level 1, so an extra field can hold MAX_DEPTH - 1 levels of objects.
    expect(statusOf(body({ extra: nested(MAX_DEPTH - 1) })).extra).toEqual(nested(MAX_DEPTH - 1));
    expect(invalid(body({ extra: nested(MAX_DEPTH) })).message).toMatch(/nested/);
  });

  it.each([
    ["__proto__ at top level", '{"jobId":"j","stage":"chunk","status":"STARTED","__proto__":{"polluted":true}}', "__proto__"],
    ["constructor at top level", '{"jobId":"j","stage":"chunk","status":"STARTED","constructor":{"prototype":{}}}', "constructor"],
    ["prototype at top level", '{"jobId":"j","stage":"chunk","status":"STARTED","prototype":1}', "prototype"],
    ["__proto__ nested", '{"jobId":"j","stage":"chunk","status":"STARTED","meta":{"a":{"__proto__":{"polluted":true}}}}', "__proto__"],
    ["constructor nested", '{"jobId":"j","stage":"chunk","status":"STARTED","meta":{"constructor":1}}', "constructor"],
    ["__proto__ inside an array", '{"jobId":"j","stage":"chunk","status":"STARTED","meta":[{"__proto__":1}]}', "__proto__"],
  ])("%s is rejected as a forbidden key", (_name, raw, key) => {
    const err = invalid(raw);
    expect(err.message).toContain(`forbidden key "${key}"`);
    // and nothing was polluted along the way
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a valid body of nearly 256 KiB (a big error string) parses", () => {
    const base = body({ status: "FAILED", error: "" });
    const error = "x".repeat(256 * 1024 - base.length - 16);
    const raw = body({ status: "FAILED", error });
    expect(raw.length).toBeGreaterThan(255 * 1024);
    expect(raw.length).toBeLessThanOrEqual(256 * 1024);
    expect(statusOf(raw).error).toHaveLength(error.length);
  });

  it("an error string with escaped quotes and newlines is kept exactly", () => {
    const error = 'bad "quote"\nand a \\ backslash';
    expect(statusOf(body({ status: "FAILED", error })).error).toBe(error);
  });
});

describe("parseBody: extra fields", () => {
  it("extra fields are kept in the parsed message", () => {
    const m = statusOf(body({ progress: 0.5, worker: { host: "w1", tags: ["a", "b"] }, note: null }));
    expect(m).toEqual({ ...valid, progress: 0.5, worker: { host: "w1", tags: ["a", "b"] }, note: null });
  });

  it("the parsed message is a plain object with the ordinary prototype", () => {
    const m = statusOf(body({ x: 1 }));
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
  });
});

describe("rankOf / compareRank", () => {
  const r = (stage: "chunk" | "mosaic", status: "STARTED" | "FAILED" | "FINISHED", ts: number): Rank => rankOf({ stage, status }, ts);

  it("rankOf records the timestamp and the stage/status order", () => {
    expect(r("chunk", "STARTED", 1000)).toEqual({ sentTimestamp: 1000, stage: 0, status: 0 });
    expect(r("mosaic", "FINISHED", 2000)).toEqual({ sentTimestamp: 2000, stage: 1, status: 2 });
    expect(r("chunk", "FAILED", 3)).toEqual({ sentTimestamp: 3, stage: 0, status: 1 });
  });

  it("a later SentTimestamp wins whatever the stage and status", () => {
    expect(compareRank(r("chunk", "STARTED", 2000), r("mosaic", "FINISHED", 1999))).toBeGreaterThan(0);
    expect(compareRank(r("mosaic", "FINISHED", 1999), r("chunk", "STARTED", 2000))).toBeLessThan(0);
  });

  it("on a timestamp tie, mosaic beats chunk", () => {
    expect(compareRank(r("mosaic", "STARTED", 5), r("chunk", "FINISHED", 5))).toBeGreaterThan(0);
    expect(compareRank(r("chunk", "FINISHED", 5), r("mosaic", "STARTED", 5))).toBeLessThan(0);
  });

  it("on a timestamp and stage tie, FINISHED > FAILED > STARTED", () => {
    for (const stage of ["chunk", "mosaic"] as const) {
      expect(compareRank(r(stage, "FINISHED", 5), r(stage, "FAILED", 5))).toBeGreaterThan(0);
      expect(compareRank(r(stage, "FAILED", 5), r(stage, "STARTED", 5))).toBeGreaterThan(0);
      expect(compareRank(r(stage, "FINISHED", 5), r(stage, "STARTED", 5))).toBeGreaterThan(0);
      expect(compareRank(r(stage, "STARTED", 5), r(stage, "FAILED", 5))).toBeLessThan(0);
    }
  });

  it("equal ranks compare as 0", () => {
    expect(compareRank(r("mosaic", "FAILED", 7), r("mosaic", "FAILED", 7))).toBe(0);
  });

  it("sorting shuffled seed-like messages at one timestamp gives the job's natural order", () => {
    const order = [
      r("chunk", "STARTED", 10),
      r("chunk", "FAILED", 10),
      r("chunk", "FINISHED", 10),
      r("mosaic", "STARTED", 10),
      r("mosaic", "FAILED", 10),
      r("mosaic", "FINISHED", 10),
    ];
    const shuffled = [order[4], order[0], order[5], order[2], order[1], order[3]];
    expect([...shuffled].sort(compareRank)).toEqual(order);
  });
});

describe("formatRank / parseRank", () => {
  it("formats as <sentTimestamp>.<stage>.<status>", () => {
    expect(formatRank({ sentTimestamp: 1700000000123, stage: 1, status: 2 })).toBe("1700000000123.1.2");
  });

  it.each([
    { sentTimestamp: 0, stage: 0, status: 0 },
    { sentTimestamp: 1700000000123, stage: 1, status: 2 },
    { sentTimestamp: 42, stage: 0, status: 1 },
  ])("round-trips %j", (rank) => {
    expect(parseRank(formatRank(rank))).toEqual(rank);
  });

  it("round-trips a rank made by rankOf and preserves its ordering", () => {
    const a = rankOf({ stage: "chunk", status: "FINISHED" }, 1700000000000);
    const b = rankOf({ stage: "mosaic", status: "STARTED" }, 1700000000000);
    const pa = parseRank(formatRank(a))!;
    const pb = parseRank(formatRank(b))!;
    expect(compareRank(pa, pb)).toBeLessThan(0);
  });

  it.each([undefined, "", "junk", "1.2", "1.2.3.4", "a.b.c", "-1.0.0", "1.0.0 ", " 1.0.0", "1..0", "1.5e3.0"])(
    "parseRank(%j) is undefined",
    (s) => {
      expect(parseRank(s)).toBeUndefined();
    },
  );
});
