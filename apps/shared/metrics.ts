// Custom metrics for `pm2 monit` and `pm2 show <app>`, through @pm2/io (which sends them to the pm2
// daemon over the process's IPC channel; outside pm2 they go nowhere). Imported by the apps' main
// files only, so tests and the CLI do not load @pm2/io.
import io from "@pm2/io";

export interface Gauge {
  value: () => number;
  unit?: string;
}

let initialised = false;

export function exposeMetrics(gauges: Record<string, Gauge | (() => number)>): void {
  if (!initialised) {
    // Our own handlers deal with crashes; no HTTP instrumentation, no profiling.
    io.init({ catchExceptions: false, metrics: { http: false }, profiling: false });
    initialised = true;
  }
  for (const [name, g] of Object.entries(gauges)) {
    const gauge = typeof g === "function" ? { value: g } : g;
    io.metric({ name, value: gauge.value, unit: gauge.unit });
  }
}

/** Seconds since a time in ms, or -1 for never. */
export function ageSeconds(at: number, now = Date.now()): number {
  return at > 0 ? Math.round((now - at) / 1000) : -1;
}
