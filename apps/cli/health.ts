// `oam-status health`: each app's state from pm2, with its key metrics; unhealthy (exit 1) when an
// app is not online or the poller has not completed a poll for too long. The image's HEALTHCHECK.
import { existsSync } from "node:fs";
import path from "node:path";
import pm2 from "pm2";

export const SUITE_APPS = ["poller", "status-writer", "catalog-notifier", "janitor"];

export interface AppHealth {
  name: string;
  /** The suite's version the process was started from (pm2 reads it from package.json at each start). */
  version: string;
  status: string;
  restarts: number;
  uptimeSeconds: number;
  memoryMb: number;
  metrics: Record<string, number | string>;
}

export interface HealthReport {
  /** The installed suite's version (this command's). */
  version: string;
  healthy: boolean;
  problems: string[];
  /** What an operator should know that does not stop the suite working. */
  warnings: string[];
  /** What the consumers learned of the store at start (see store-probe.ts). */
  store: { conditionalWrites: "honoured" | "ignored" | "unknown" };
  apps: AppHealth[];
}

function list(): Promise<pm2.ProcessDescription[]> {
  return new Promise((resolve, reject) => {
    pm2.connect((err) => {
      if (err) return reject(err);
      pm2.list((err2, procs) => {
        pm2.disconnect();
        if (err2) reject(err2);
        else resolve(procs);
      });
    });
  });
}

export async function checkHealth(pm2Home: string, maxPollAgeSeconds: number, version: string): Promise<HealthReport> {
  // pm2.connect would start a daemon when none runs: look for its socket first.
  if (!existsSync(path.join(pm2Home, "rpc.sock"))) {
    return { version, healthy: false, problems: [`pm2 is not running (no daemon in ${pm2Home})`], warnings: [], store: { conditionalWrites: "unknown" }, apps: [] };
  }
  const procs = await list();
  const apps: AppHealth[] = procs.map((p) => {
    const env = p.pm2_env as unknown as { status: string; version?: string; restart_time: number; pm_uptime: number; axm_monitor?: Record<string, { value: number | string }> };
    return {
      name: p.name ?? "?",
      version: env.version ?? "?",
      status: env.status,
      restarts: env.restart_time,
      uptimeSeconds: env.status === "online" ? Math.round((Date.now() - env.pm_uptime) / 1000) : 0,
      memoryMb: Math.round((p.monit?.memory ?? 0) / 2 ** 20),
      metrics: Object.fromEntries(Object.entries(env.axm_monitor ?? {}).map(([k, v]) => [k, v.value])),
    };
  });
  const problems: string[] = [];
  for (const name of SUITE_APPS) {
    const app = apps.find((a) => a.name === name);
    if (!app) problems.push(`${name} is not in pm2`);
    else if (app.status !== "online") problems.push(`${name} is ${app.status}`);
  }
  const poller = apps.find((a) => a.name === "poller");
  const pollAge = Number(poller?.metrics["last poll age"]);
  if (poller?.status === "online" && poller.uptimeSeconds > maxPollAgeSeconds && (pollAge < 0 || pollAge > maxPollAgeSeconds)) {
    problems.push(`the poller has not completed a poll for ${pollAge < 0 ? `its ${poller.uptimeSeconds} s of uptime` : `${pollAge} s`}`);
  }
  const notifier = apps.find((a) => a.name === "catalog-notifier");
  if (Number(notifier?.metrics["catalog token refused"]) === 1) {
    problems.push("the catalog refuses the API token (HTTP 401/403): finished jobs wait until it works (catalog-notifier log, event catalog.token_refused)");
  }
  const warnings: string[] = [];
  const probed = ["status-writer", "catalog-notifier"].map((n) => Number(apps.find((a) => a.name === n)?.metrics["store conditional writes"]));
  const conditionalWrites = probed.includes(0) ? "ignored" : probed.every((v) => v === 1) ? "honoured" : "unknown";
  if (conditionalWrites === "ignored") {
    warnings.push("the S3 store ignores conditional writes (If-None-Match/If-Match): this suite reads before writing and stays correct, but two suites must not share its bucket and prefix");
  }
  return { version, healthy: problems.length === 0, problems, warnings, store: { conditionalWrites }, apps };
}

export function formatHealth(r: HealthReport): string {
  const rows = r.apps.map((a) => {
    const m = Object.entries(a.metrics)
      .filter(([k]) => !/Heap|Event Loop|Active|HTTP/.test(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return `${a.name.padEnd(18)} ${a.status.padEnd(9)} v${a.version.padEnd(8)} restarts=${String(a.restarts).padEnd(4)} up=${String(a.uptimeSeconds).padEnd(7)}s mem=${a.memoryMb} MB  ${m}`;
  });
  return [
    `oam-status-suite ${r.version}`,
    ...rows,
    `store: conditional writes ${r.store.conditionalWrites}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    r.healthy ? "healthy" : `UNHEALTHY: ${r.problems.join("; ")}`,
  ].join("\n");
}
