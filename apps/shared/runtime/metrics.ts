// Custom metrics for `pm2 monit` and `pm2 show <app>`, through tx2, pm2's own reporting library
// (it sends them to the pm2 daemon over the process's IPC channel about once a second; outside pm2
// they go nowhere). The suite's /metrics endpoint reads them back from pm2 (apps/shared/monitoring).
// Imported by the apps' main files only, so tests and the CLI do not load it.
// tx2 instead of @pm2/io: the same `axm_monitor` values in pm2 for less memory per app (README,
// "Monitoring"). pm2 would also load its own copy of @pm2/io into every app; ecosystem.config.js
// turns that off (`pmx: false`), and the runtime gauges it reported are kept below.

import { getHeapStatistics } from "node:v8";

interface Tx2 {
  metric(opts: { name: string; value: () => number; unit?: string }): unknown;
}
// tx2 ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tx2: Tx2 = require("tx2");

export interface Gauge {
  value: () => number;
  unit?: string;
}

let initialised = false;

const MIB = 2 ** 20;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** How often the event loop's delay is sampled, and how many samples the percentiles cover. */
const DELAY_SAMPLE_MS = 1000;
const DELAY_SAMPLES = 60;

/** The Node.js runtime gauges pm2 monit showed under @pm2/io, with the same names and units. */
function runtimeGauges(): Record<string, Gauge> {
  // The event loop's delay as @pm2/io measured it: how late a 1 s timer fires, over the last
  // minute. Not perf_hooks' monitorEventLoopDelay: it keeps an idle process busy (README,
  // "Monitoring").
  const delays: number[] = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    delays.push(Math.max(0, now - last - DELAY_SAMPLE_MS));
    if (delays.length > DELAY_SAMPLES) delays.shift();
    last = now;
  }, DELAY_SAMPLE_MS).unref();
  const percentile = (p: number) => {
    if (delays.length === 0) return 0;
    const sorted = [...delays].sort((a, b) => a - b);
    return round2(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  };
  return {
    "Used Heap Size": { value: () => round2(getHeapStatistics().used_heap_size / MIB), unit: "MiB" },
    "Heap Size": { value: () => round2(getHeapStatistics().total_heap_size / MIB), unit: "MiB" },
    "Event Loop Latency": { value: () => percentile(50), unit: "ms" },
    "Event Loop Latency p95": { value: () => percentile(95), unit: "ms" },
    // Handles, requests and timers keeping the process alive (what @pm2/io split in two).
    "Active resources": { value: () => process.getActiveResourcesInfo().length },
  };
}

export function exposeMetrics(gauges: Record<string, Gauge | (() => number)>): void {
  const all = initialised ? gauges : { ...runtimeGauges(), ...gauges };
  initialised = true;
  for (const [name, g] of Object.entries(all)) {
    const gauge = typeof g === "function" ? { value: g } : g;
    tx2.metric({ name, value: gauge.value, unit: gauge.unit });
  }
}

/** Seconds since a time in ms, or -1 for never. */
export function ageSeconds(at: number, now = Date.now()): number {
  return at > 0 ? Math.round((now - at) / 1000) : -1;
}
