// `npm run bench -- <flags>`: every flag, its default, and the check that names a bad one.
import { existsSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { STORE_KINDS as S3_SERVERS, type StoreKind as S3Server } from "../test/support/local-servers";

export const REGIMES = ["loopback", "aws"] as const;
export type RegimeName = (typeof REGIMES)[number];

/**
 * The local S3 server's store: on tmpfs where there is one. On this VM's disk creating a file costs
 * about 1 ms of kernel CPU (57 us on tmpfs), and s3rver creates one per PUT (docs/performance.md).
 */
export const DEFAULT_S3_DIR = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();

export interface BenchOptions {
  runs: number;
  messages: number;
  /** Jobs whose lifecycles are interleaved in the queue at once (Infinity: all of them). */
  concurrentJobs: number;
  regimes: RegimeName[];
  /** Milliseconds added to each call in the AWS-like regime. */
  delays: { sqs: number; s3: number; catalog: number };
  /** The first hosts all three contenders; the suite alone also runs on the others. */
  stores: S3Server[];
  /** Variables set for the suite (`--suite-env OAM_SQS_RECEIVE_CONCURRENCY=1,...`); the rest keep their defaults. */
  suiteEnv: Record<string, string>;
  loadSeconds: number;
  idleSeconds: number;
  janitorDocs: number;
  s3Dir: string;
}

const FLAGS = {
  runs: { type: "string", default: "3" },
  messages: { type: "string", default: "3000" },
  "concurrent-jobs": { type: "string", default: "20" },
  regimes: { type: "string", default: REGIMES.join(",") },
  "sqs-delay": { type: "string", default: "10" },
  "s3-delay": { type: "string", default: "20" },
  "catalog-delay": { type: "string", default: "100" },
  store: { type: "string", default: S3_SERVERS.join(",") },
  "suite-env": { type: "string", default: "" },
  "load-seconds": { type: "string", default: "20" },
  "idle-seconds": { type: "string", default: "60" },
  "janitor-docs": { type: "string", default: "100000" },
  "s3-dir": { type: "string", default: DEFAULT_S3_DIR },
} as const;

class BenchUsageError extends Error {
  constructor(message: string) {
    super(`npm run bench: ${message}`);
    this.name = "BenchUsageError";
  }
}

function int(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new BenchUsageError(`--${flag} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (!items.length || bad.length) throw new BenchUsageError(`--${flag} takes a comma-separated list of ${allowed.join(", ")}, got "${value}"`);
  return [...new Set(items)] as T[];
}

function pairs(flag: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(OAM_[A-Z0-9_]+)=(.*)$/.exec(item);
    if (!m) throw new BenchUsageError(`--${flag} takes OAM_NAME=value pairs separated by commas, got "${item}"`);
    out[m[1]] = m[2];
  }
  return out;
}

export function parseBenchOptions(args: string[] = process.argv.slice(2)): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true }));
  } catch (err) {
    throw new BenchUsageError((err as Error).message);
  }
  const jobs = values["concurrent-jobs"];
  return {
    runs: int("runs", values.runs, 1),
    messages: int("messages", values.messages, 10),
    concurrentJobs: jobs === "all" ? Infinity : int("concurrent-jobs", jobs, 1),
    regimes: list("regimes", values.regimes, REGIMES),
    delays: { sqs: int("sqs-delay", values["sqs-delay"], 0), s3: int("s3-delay", values["s3-delay"], 0), catalog: int("catalog-delay", values["catalog-delay"], 0) },
    stores: list("store", values.store, S3_SERVERS),
    suiteEnv: pairs("suite-env", values["suite-env"]),
    loadSeconds: int("load-seconds", values["load-seconds"], 0),
    idleSeconds: int("idle-seconds", values["idle-seconds"], 0),
    janitorDocs: int("janitor-docs", values["janitor-docs"], 0),
    s3Dir: values["s3-dir"],
  };
}

