// What pm2 knows of each app: state, restarts, memory and the metrics the app reports (tx2's
// axm_monitor), read from the pm2 daemon over its RPC socket. Used by `oam-status health` (one
// read) and by the monitoring endpoint (one read per scrape, over a kept connection).
import { existsSync } from "node:fs";
import path from "node:path";
import pm2 from "pm2";

export interface Pm2App {
  name: string;
  /** The suite's version the process was started from (pm2 reads it from package.json at each start). */
  version: string;
  /** online, stopped, errored, launching, stopping, ... */
  status: string;
  pid: number;
  restarts: number;
  /** When the process was (re)started, ms since the epoch. */
  startedAt: number;
  memoryBytes: number;
  /** The app's pm2 metrics (`pm2 show`'s "Code metrics"), by name. */
  metrics: Record<string, number | string>;
}

/** The pm2 daemon does not run in this PM2_HOME (or cannot be reached). */
export class Pm2Unavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Pm2Unavailable";
  }
}

type RawProcess = pm2.ProcessDescription & {
  pm2_env?: { status?: string; version?: string; restart_time?: number; pm_uptime?: number; axm_monitor?: Record<string, { value: number | string }> };
};

function toApp(p: RawProcess): Pm2App {
  const env = p.pm2_env ?? {};
  return {
    name: p.name ?? "?",
    version: env.version ?? "?",
    status: env.status ?? "unknown",
    pid: p.pid ?? 0,
    restarts: env.restart_time ?? 0,
    startedAt: env.pm_uptime ?? 0,
    memoryBytes: p.monit?.memory ?? 0,
    metrics: Object.fromEntries(Object.entries(env.axm_monitor ?? {}).map(([k, v]) => [k, v.value])),
  };
}

function withTimeout<T>(what: string, ms: number, run: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Pm2Unavailable(`pm2 did not answer ${what} within ${ms} ms`)), ms);
    run((err, value) => {
      clearTimeout(timer);
      if (err) reject(new Pm2Unavailable(`pm2 ${what} failed: ${err.message}`));
      else resolve(value as T);
    });
  });
}

export class Pm2Processes {
  private connected?: Promise<void>;

  constructor(
    private readonly pm2Home: string,
    private readonly timeoutMs = 5000,
  ) {}

  async list(): Promise<Pm2App[]> {
    // pm2.connect would start a daemon when none runs: look for its socket first.
    if (!existsSync(path.join(this.pm2Home, "rpc.sock"))) throw new Pm2Unavailable(`pm2 is not running (no daemon in ${this.pm2Home})`);
    this.connected ??= withTimeout<void>("connect", this.timeoutMs, (done) => pm2.connect((err) => done(err)));
    try {
      await this.connected;
      const procs = await withTimeout<pm2.ProcessDescription[]>("list", this.timeoutMs, (done) => pm2.list(done));
      return procs.map((p) => toApp(p as RawProcess));
    } catch (err) {
      // Connect afresh next time (the daemon may have been restarted).
      this.close();
      throw err;
    }
  }

  close(): void {
    if (!this.connected) return;
    this.connected = undefined;
    try {
      pm2.disconnect();
    } catch {
      // never connected
    }
  }
}
