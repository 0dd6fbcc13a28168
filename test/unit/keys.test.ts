// Every S3 key the suite writes, always under <prefix>/.
import { describe, expect, it } from "vitest";
import { InvalidMessageError } from "../../apps/shared/util/errors";
import { catalogRecordKey, isStatusKey, quarantineKey, statusKey } from "../../apps/shared/domain/keys";

const at = new Date("2024-03-09T23:59:59.999Z");

describe("statusKey", () => {
  it("is <prefix>/<jobId>-status.json", () => {
    expect(statusKey("statuses", "test-job")).toBe("statuses/test-job-status.json");
    expect(statusKey("a/b", "J_1.x")).toBe("a/b/J_1.x-status.json");
  });

  it.each(["..", "../x", "a/b", "/abs", ".hidden", "", "a b", "a\u0000b", "a\nb", "a\\b", "a..b", "-x", "x".repeat(256)])(
    "rejects the unsafe jobId %j with an InvalidMessageError on jobId",
    (jobId) => {
      let thrown: unknown;
      try {
        statusKey("statuses", jobId);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidMessageError);
      expect((thrown as InvalidMessageError).field).toBe("jobId");
    },
  );

  it("a key it builds is recognised by isStatusKey", () => {
    for (const jobId of ["a", "test-job", "Job.1_2-3"]) expect(isStatusKey("statuses", statusKey("statuses", jobId))).toBe(true);
  });
});

describe("isStatusKey", () => {
  it.each([
    ["statuses", "statuses/test-job-status.json"],
    ["statuses", "statuses/x-status.json"],
    ["a/b", "a/b/job-status.json"],
  ])("under %s, %s is a status key", (prefix, key) => {
    expect(isStatusKey(prefix, key)).toBe(true);
  });

  it.each([
    ["a quarantined message", "statuses/quarantine/2024-01-01/m-status.json"],
    ["a catalog record", "statuses/catalog/job-status.json"],
    ["a key in a sibling prefix", "statusesX/job-status.json"],
    ["a key with the prefix as a name prefix", "statuses-old/job-status.json"],
    ["a bare suffix", "statuses/-status.json"],
    ["a different suffix", "statuses/job.json"],
    ["a suffix without the dash", "statuses/jobstatus.json"],
    ["a suffix that is not at the end", "statuses/job-status.json.bak"],
    ["the prefix itself", "statuses"],
    ["the prefix folder", "statuses/"],
    ["a key outside the prefix", "other/job-status.json"],
    ["a key missing the prefix separator", "statusesjob-status.json"],
    ["a key in a nested folder", "statuses/2024/job-status.json"],
  ])("%s is not a status key", (_name, key) => {
    expect(isStatusKey("statuses", key)).toBe(false);
  });
});

describe("quarantineKey", () => {
  it("is <prefix>/quarantine/<yyyy-mm-dd>/<messageId>.json with the UTC day", () => {
    expect(quarantineKey("statuses", "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", at)).toBe(
      "statuses/quarantine/2024-03-09/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.json",
    );
  });

  it.each([
    ["a path climb", "../../etc/passwd", "etc_passwd"],
    ["slashes", "a/b/c", "a_b_c"],
    ["spaces and symbols", "a b:c*d?", "a_b_c_d_"],
    ["a leading dot", ".hidden", "hidden"],
    ["leading dashes and underscores", "--_x", "x"],
    ["control characters", "a\u0000b\nc", "a_b_c"],
    ["non-ASCII", "mé", "m_"],
  ])("sanitises a message id with %s", (_name, messageId, expected) => {
    expect(quarantineKey("statuses", messageId, at)).toBe(`statuses/quarantine/2024-03-09/${expected}.json`);
  });

  it.each(["", "..", "/", "...", "._-"])("falls back to 'unknown' for the id %j", (messageId) => {
    expect(quarantineKey("statuses", messageId, at)).toBe("statuses/quarantine/2024-03-09/unknown.json");
  });

  it("whatever the id, the key stays one segment inside <prefix>/quarantine/<day>/", () => {
    const ids = ["../../x", "a/../../b", "\\..\\..\\c", "%2e%2e%2f", "..\u0000/..", "x".repeat(50) + "/.."];
    for (const id of ids) {
      const key = quarantineKey("p", id, at);
      expect(key.startsWith("p/quarantine/2024-03-09/")).toBe(true);
      const name = key.slice("p/quarantine/2024-03-09/".length);
      expect(name).not.toContain("/");
      expect(name.startsWith(".")).toBe(false);
      expect(name.endsWith(".json")).toBe(true);
      expect(isStatusKey("p", key)).toBe(false);
    }
  });
});

describe("catalogRecordKey", () => {
  it("is <prefix>/catalog/<jobId>.json", () => {
    expect(catalogRecordKey("statuses", "test-job")).toBe("statuses/catalog/test-job.json");
  });

  it("is not mistaken for a status document", () => {
    expect(isStatusKey("statuses", catalogRecordKey("statuses", "x-status"))).toBe(false);
  });

  it.each(["..", "a/b", "../x", ""])("rejects the unsafe jobId %j", (jobId) => {
    expect(() => catalogRecordKey("statuses", jobId)).toThrow(InvalidMessageError);
  });
});
