// Custom metrics for `pm2 monit` and `pm2 show <app>`, through @pm2/io (which sends them to the pm2
// daemon over the process's IPC channel; outside pm2 they go nowhere). Imported by the apps' main
// files only, so tests and the CLI do not load @pm2/io.
import io from "@pm2/io";

export interface Gauge {
  value: () => number;
  unit?: string;
}

let initialised = false;

// Under pm2, `@pm2/io` hands over to the copy pm2 bundles and has loaded into the app already
// (pm2/modules/pm2-io-bpm). That copy's tracing feature takes a config without a `tracing` key as
// "on" (its default tracing config says enabled: true), tries to load OpenTelemetry, and writes
// "[PM2][ERROR] OpenTelemetry packages not installed" to the app's err.log at every start, with the
// app listed as traced ([T]) in `pm2 ls`. `enabled: false` is the switch it reads to stay off.
// @pm2/io's own types do not know the key, hence the cast.
const NO_TRACING = { tracing: { enabled: false } } as object;

export function exposeMetrics(gauges: Record<string, Gauge | (() => number)>): void {
  if (!initialised) {
    // Our own handlers deal with crashes; no HTTP instrumentation, no profiling, no tracing.
    io.init({ catchExceptions: false, metrics: { http: false }, profiling: false, ...NO_TRACING });
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
