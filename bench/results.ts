// What `npm run bench` writes to bench/results/<date>.json (and prints as a table), in the file's
// key order. Each phase's part is the type its module returns.
import type { BusHopReport } from "./bus-hop";
import type { SuiteMemory } from "./drain";
import type { FallbackRow } from "./fallback-cost";
import type { IdleResult } from "./idle";
import type { JanitorResult } from "./janitor";
import type { LatencyAtLoad } from "./latency";
import type { BenchOptions, RegimeName } from "./options";
import type { RegimeThroughput } from "./throughput";

/** The options as given; `concurrentJobs` is "all" for every job at once (JSON has no Infinity). */
export type RecordedOptions = Omit<BenchOptions, "concurrentJobs"> & { concurrentJobs: number | "all" };

/** The 1, 5 and 15 min load average. */
export type LoadAverage = number[];

/** At the start, after each regime ("after loopback", "after aws"), and at the end, in that order. */
export type LoadAverages = { start: LoadAverage } & { [R in RegimeName as `after ${R}`]?: LoadAverage } & { end: LoadAverage };

export interface BenchResults {
  /** ISO time of the start; the file's name. */
  date: string;
  node: string;
  options: RecordedOptions;
  loadAverage: LoadAverages;
  busHopAloneMs: BusHopReport;
  /** By regime, in --regimes order. */
  throughput: { [R in RegimeName]?: RegimeThroughput };
  /** The suite's memory after its last drain on loopback (absent without the loopback regime). */
  memoryAfterDrain?: SuiteMemory;
  startToReadyMs: number;
  /** By offered load ("50 msg/s", "200 msg/s"). */
  latency: Record<string, LatencyAtLoad>;
  idle: IdleResult;
  janitor: JanitorResult;
  /** The status writer alone, on the fast path and reading first. */
  fallback: FallbackRow[];
}
