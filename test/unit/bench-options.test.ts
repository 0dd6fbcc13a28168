// The benchmark's flags and its backlog: a bad flag is named, the backlog keeps each job's steps in
// order and is the same for every contender.
import { describe, expect, it } from "vitest";
import { backlog } from "../../bench/drain";
import { parseBenchOptions } from "../../bench/options";

describe("bench options", () => {
  it("has the documented defaults", () => {
    const o = parseBenchOptions([]);
    expect(o).toMatchObject({ runs: 3, messages: 3000, concurrentJobs: 20, regimes: ["loopback", "aws"], delays: { sqs: 10, s3: 20, catalog: 100 }, stores: ["local-s3", "s3rver"], suiteEnv: {} });
  });

  it("takes delays, stores, regimes and suite variables", () => {
    const o = parseBenchOptions(["--regimes", "aws", "--sqs-delay", "5", "--store", "s3rver", "--concurrent-jobs", "all", "--suite-env", "OAM_SQS_RECEIVE_CONCURRENCY=1,OAM_CATALOG_CONCURRENCY=32"]);
    expect(o.regimes).toEqual(["aws"]);
    expect(o.delays.sqs).toBe(5);
    expect(o.stores).toEqual(["s3rver"]);
    expect(o.concurrentJobs).toBe(Infinity);
    expect(o.suiteEnv).toEqual({ OAM_SQS_RECEIVE_CONCURRENCY: "1", OAM_CATALOG_CONCURRENCY: "32" });
  });

  it.each([
    [["--runs", "0"], /--runs must be a whole number >= 1, got "0"/],
    [["--sqs-delay=-1"], /--sqs-delay must be a whole number >= 0/],
    [["--store", "minio"], /--store takes a comma-separated list of local-s3, s3rver, got "minio"/],
    [["--regimes", "lan"], /--regimes takes/],
    [["--suite-env", "PATH=/x"], /--suite-env takes OAM_NAME=value pairs/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j with a line naming the flag", (args, message) => {
    expect(() => parseBenchOptions(args)).toThrow(message);
  });
});

describe("bench backlog", () => {
  const steps = (lines: string[]) => {
    const byJob = new Map<string, string[]>();
    for (const l of lines) {
      const m = JSON.parse(l);
      byJob.set(m.jobId, [...(byJob.get(m.jobId) ?? []), `${m.stage} ${m.status}`]);
    }
    return byJob;
  };

  it("holds every message once, each job's steps in order, the same for the same seed", () => {
    const lines = backlog(400, 20, "b");
    expect(lines).toHaveLength(400);
    expect(new Set(lines).size).toBe(400);
    for (const s of steps(lines).values()) expect(s.slice(0, 3)).toEqual(["chunk STARTED", "chunk FINISHED", "mosaic STARTED"]);
    expect(backlog(400, 20, "b")).toEqual(lines);
  });

  it("interleaves about as many jobs as tilers", () => {
    const open = (lines: string[]) => {
      let most = 0;
      const started = new Set<string>();
      const done = new Set<string>();
      for (const l of lines) {
        const m = JSON.parse(l);
        started.add(m.jobId);
        if (m.stage === "mosaic" && m.status !== "STARTED") done.add(m.jobId);
        most = Math.max(most, started.size - done.size);
      }
      return most;
    };
    expect(open(backlog(400, 1, "one"))).toBe(1);
    expect(open(backlog(400, 20, "twenty"))).toBeLessThanOrEqual(20);
    expect(open(backlog(400, 20, "twenty"))).toBeGreaterThan(10);
    expect(open(backlog(400, Infinity, "all"))).toBeGreaterThan(50);
  });
});
