// pm2 itself, under an isolated PM2_HOME per test file.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./local-servers";

const run = promisify(execFile);
const PM2_BIN = path.join(ROOT, "node_modules/pm2/bin/pm2");

export interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: {
    status: string;
    restart_time: number;
    unstable_restarts: number;
    pm_out_log_path: string;
    pm_err_log_path: string;
    /** The app's custom metrics, as tx2 reports them (about once a second). */
    axm_monitor?: Record<string, { value: unknown }>;
  };
}

/** One of an app's pm2 metrics, or undefined until the app has reported it. */
export function pm2Metric(proc: Pm2Process, name: string): number | undefined {
  const value = proc.pm2_env.axm_monitor?.[name]?.value;
  return value === undefined ? undefined : Number(value);
}

export class Pm2 {
  readonly home = mkdtempSync(path.join(os.tmpdir(), "oam-pm2-"));

  async run(args: string[], env: Record<string, string> = {}): Promise<string> {
    const { stdout } = await run(process.execPath, [PM2_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, PM2_HOME: this.home },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  async jlist(): Promise<Pm2Process[]> {
    return JSON.parse(await this.run(["jlist"])) as Pm2Process[];
  }

  async byName(): Promise<Record<string, Pm2Process>> {
    return Object.fromEntries((await this.jlist()).map((p) => [p.name, p]));
  }

  async kill(): Promise<void> {
    await this.run(["kill"]).catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }
}
