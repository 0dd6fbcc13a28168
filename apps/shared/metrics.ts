// Custom metrics for `pm2 monit` and `pm2 show <app>`, through tx2, pm2's own reporting library
// (it sends them to the pm2 daemon over the process's IPC channel about once a second; outside pm2
// they go nowhere). The suite's /metrics endpoint reads them back from pm2 (apps/monitoring).
// Imported by the apps' main files only, so tests and the CLI do not load it.
// tx2 instead of @pm2/io: the same `axm_monitor` values in pm2 for less memory per app (README,
// "Monitoring"). pm2 would also load its own copy of @pm2/io into every app; ecosystem.config.js
// turns that off (`pmx: false`), and the runtime gauges it reported are kept below.
import { monitorEventLoopDelay } from "node:perf_hooks";

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

/** The Node.js runtime gauges pm2 monit showed under @pm2/io, with the same names and units. */
function runtimeGauges(): Record<string, Gauge> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Percentiles over the last second, then started afresh.
  const latency = { p50: 0, p95: 0 };
  setInterval(() => {
    latency.p50 = delay.count > 0 ? round2(delay.percentile(50) / 1e6) : 0;
    latency.p95 = delay.count > 0 ? round2(delay.percentile(95) / 1e6) : 0;
    delay.reset();
  }, 1000).unref();
  return {
    "Used Heap Size": { value: () => round2(process.memoryUsage().heapUsed / MIB), unit: "MiB" },
    "Heap Size": { value: () => round2(process.memoryUsage().heapTotal / MIB), unit: "MiB" },
    "Event Loop Latency": { value: () => latency.p50, unit: "ms" },
    "Event Loop Latency p95": { value: () => latency.p95, unit: "ms" },
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
