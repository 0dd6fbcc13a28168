// A fake of what pm2-processes reads from pm2 for one app (apps/shared/runtime/pm2-processes.ts), for
// tests of what is made of it: health, /metrics, the monitoring server.
import type { Pm2App } from "../../apps/shared/runtime/pm2-processes";

/** An online app started 5 s ago, under this test's own pid (a real process, should its CPU time be read), with no metrics reported. */
export function pm2App(name: string, overrides: Partial<Pm2App> = {}): Pm2App {
  return {
    name,
    version: "0.0.0-test",
    status: "online",
    pid: process.pid,
    restarts: 0,
    startedAt: Date.now() - 5000,
    memoryBytes: 1,
    metrics: {},
    ...overrides,
  };
}
