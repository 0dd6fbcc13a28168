// `oam-status health`: each app's state from pm2, with its key metrics; unhealthy (exit 1) when an
// app is not online or the poller has not completed a poll for too long (the rules are in
// apps/shared/runtime/health.ts, shared with /healthz).
import { assessHealth } from "../shared/runtime/health";
import { Pm2Processes, Pm2Unavailable } from "../shared/runtime/pm2-processes";

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
  /** Worth knowing, not a failure (a store that ignores conditional writes). */
  notes: string[];
  /** What the consumers learned of the store at start (see store-probe.ts). */
  store: { conditionalWrites: "honoured" | "ignored" | "unknown" };
  apps: AppHealth[];
}

export async function checkHealth(pm2Home: string, maxPollAgeSeconds: number, version: string): Promise<HealthReport> {
  const pm2 = new Pm2Processes(pm2Home);
  let procs;
  try {
    procs = await pm2.list();
  } catch (err) {
    if (err instanceof Pm2Unavailable) return { version, healthy: false, problems: [err.message], notes: [], store: { conditionalWrites: "unknown" }, apps: [] };
    throw err;
  } finally {
    pm2.close();
  }
  const now = Date.now();
  const apps: AppHealth[] = procs.map((p) => ({
    name: p.name,
    version: p.version,
    status: p.status,
    restarts: p.restarts,
    uptimeSeconds: p.status === "online" ? Math.round((now - p.startedAt) / 1000) : 0,
    memoryMb: Math.round(p.memoryBytes / 2 ** 20),
    metrics: p.metrics,
  }));
  const { healthy, problems, notes, store } = assessHealth(procs, maxPollAgeSeconds, now);
  return { version, healthy, problems, notes, store, apps };
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
    ...r.notes.map((n) => `note: ${n}`),
    r.healthy ? "healthy" : `UNHEALTHY: ${r.problems.join("; ")}`,
  ].join("\n");
}
