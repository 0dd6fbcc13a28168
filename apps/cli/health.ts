// `oam-status health`: each app's state from pm2, with its key metrics; unhealthy (exit 1) when an
// app is not online or the poller has not completed a poll for too long (the rules are in
// apps/shared/health.ts, shared with /healthz).
import { assessHealth, SUITE_APPS } from "../shared/health";
import { Pm2Processes, Pm2Unavailable } from "../shared/pm2-processes";

export { SUITE_APPS };

export interface AppHealth {
  name: string;
  status: string;
  restarts: number;
  uptimeSeconds: number;
  memoryMb: number;
  metrics: Record<string, number | string>;
}

export interface HealthReport {
  healthy: boolean;
  problems: string[];
  notes: string[];
  apps: AppHealth[];
}

export async function checkHealth(pm2Home: string, maxPollAgeSeconds: number): Promise<HealthReport> {
  const pm2 = new Pm2Processes(pm2Home);
  let procs;
  try {
    procs = await pm2.list();
  } catch (err) {
    if (err instanceof Pm2Unavailable) return { healthy: false, problems: [err.message], notes: [], apps: [] };
    throw err;
  } finally {
    pm2.close();
  }
  const now = Date.now();
  const apps: AppHealth[] = procs.map((p) => ({
    name: p.name,
    status: p.status,
    restarts: p.restarts,
    uptimeSeconds: p.status === "online" ? Math.round((now - p.startedAt) / 1000) : 0,
    memoryMb: Math.round(p.memoryBytes / 2 ** 20),
    metrics: p.metrics,
  }));
  const { healthy, problems, notes } = assessHealth(procs, maxPollAgeSeconds, now);
  return { healthy, problems, notes, apps };
}

export function formatHealth(r: HealthReport): string {
  const rows = r.apps.map((a) => {
    const m = Object.entries(a.metrics)
      .filter(([k]) => !/Heap|Event Loop|Active|HTTP/.test(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return `${a.name.padEnd(18)} ${a.status.padEnd(9)} restarts=${String(a.restarts).padEnd(4)} up=${String(a.uptimeSeconds).padEnd(7)}s mem=${a.memoryMb} MB  ${m}`;
  });
  return [...rows, ...r.notes.map((n) => `note: ${n}`), r.healthy ? "healthy" : `UNHEALTHY: ${r.problems.join("; ")}`].join("\n");
}
