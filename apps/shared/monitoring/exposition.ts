// One scrape of /metrics in the Prometheus text format (or OpenMetrics, when the scraper asks for
// it): pm2's view of each app, every app's pm2 metrics under their Prometheus names, the queue's
// backlog and the build. Built afresh from a snapshot at each scrape: the values live in the apps
// and in pm2, this process only renders them. Labels are app names and the version, never config.
import { Counter, Gauge, Registry, type RegistryContentType } from "prom-client";
import { SUITE_APPS } from "../runtime/names";
import type { Pm2App } from "../runtime/pm2-processes";
import { PM2_METRIC_NAMES, promMetricFor, type PromMetric } from "./pm2-metric-names";
import type { Backlog } from "./queue-backlog";

export interface Snapshot {
  /** undefined when pm2 could not be read. */
  apps?: Pm2App[];
  backlog?: Backlog;
  version: string;
  /** CPU seconds a process has used, or undefined when unknown. */
  cpuSeconds(pid: number): number | undefined;
}

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

type Sample = { labels: Record<string, string>; value: number };

class Builder {
  readonly registry: Registry<RegistryContentType>;
  private readonly samples = new Map<string, { metric: PromMetric; labelNames: string[]; samples: Sample[] }>();

  constructor(contentType: RegistryContentType) {
    this.registry = new Registry<RegistryContentType>();
    this.registry.setContentType(contentType);
  }

  add(metric: PromMetric, labels: Record<string, string>, value: number): void {
    if (!Number.isFinite(value)) return;
    let entry = this.samples.get(metric.name);
    if (!entry) {
      entry = { metric, labelNames: Object.keys(labels), samples: [] };
      this.samples.set(metric.name, entry);
    }
    entry.samples.push({ labels, value: value * (metric.scale ?? 1) });
  }

  async render(): Promise<string> {
    for (const { metric, labelNames, samples } of this.samples.values()) {
      const opts = { name: metric.name, help: metric.help, labelNames, registers: [this.registry] };
      if (metric.type === "counter") {
        const c = new Counter(opts);
        // Counters come in as totals (from the apps, or pm2): a counter that went down was reset
        // by a restart, which Prometheus's rate() handles.
        for (const s of samples) c.inc(s.labels, Math.max(0, s.value));
      } else {
        const g = new Gauge(opts);
        for (const s of samples) g.set(s.labels, s.value);
      }
    }
    return this.registry.metrics();
  }
}

const APP = {
  up: { name: "oam_status_app_up", type: "gauge", help: "1 when pm2 has the app online, 0 otherwise." },
  restarts: { name: "oam_status_app_restarts_total", type: "counter", help: "Restarts pm2 has made of the app." },
  memory: { name: "oam_status_app_resident_memory_bytes", type: "gauge", help: "Resident memory of the app's process, as pm2 measures it." },
  cpu: { name: "oam_status_app_cpu_seconds_total", type: "counter", help: "CPU time (user and system) the app's current process has used." },
  started: { name: "oam_status_app_start_time_seconds", type: "gauge", help: "When pm2 last (re)started the app, seconds since the epoch." },
} satisfies Record<string, PromMetric>;

const SUITE = {
  pm2Up: { name: "oam_status_pm2_up", type: "gauge", help: "1 when the pm2 daemon answered this scrape." },
  visible: { name: "oam_status_sqs_messages_visible", type: "gauge", help: "SQS ApproximateNumberOfMessages: messages waiting to be received (asked at most once a minute)." },
  notVisible: { name: "oam_status_sqs_messages_not_visible", type: "gauge", help: "SQS ApproximateNumberOfMessagesNotVisible: messages received and not yet deleted." },
  backlogAt: { name: "oam_status_sqs_backlog_timestamp_seconds", type: "gauge", help: "When SQS gave the backlog counts, seconds since the epoch." },
  buildInfo: { name: "oam_status_build_info", type: "gauge", help: "The suite's version; always 1." },
} satisfies Record<string, PromMetric>;

/** Every metric name /metrics can show (for the dashboard's test). */
export function exportedMetricNames(): string[] {
  return [...new Set([...Object.values(APP), ...Object.values(SUITE), ...Object.values(PM2_METRIC_NAMES)].map((m) => m.name))];
}

/**
 * The exposition of a snapshot, and the apps' pm2 metrics that have no Prometheus name (so the
 * caller can say so once).
 */
export async function renderMetrics(s: Snapshot, contentType: RegistryContentType): Promise<{ body: string; unmapped: string[] }> {
  const b = new Builder(contentType);
  const unmapped: string[] = [];
  b.add(SUITE.buildInfo, { version: s.version, nodejs: process.version }, 1);
  b.add(SUITE.pm2Up, {}, s.apps ? 1 : 0);
  for (const app of s.apps ?? []) {
    const labels = { app: app.name };
    const online = app.status === "online";
    b.add(APP.up, labels, online ? 1 : 0);
    b.add(APP.restarts, labels, app.restarts);
    b.add(APP.memory, labels, online ? app.memoryBytes : 0);
    if (online) {
      b.add(APP.started, labels, app.startedAt / 1000);
      const cpu = s.cpuSeconds(app.pid);
      if (cpu !== undefined) b.add(APP.cpu, labels, cpu);
    }
    // Only the suite's own apps report metrics this table knows (the local profile's servers and
    // any other app in the same pm2 report none, or their own).
    if (!online || !(SUITE_APPS as readonly string[]).includes(app.name)) continue;
    for (const [name, value] of Object.entries(app.metrics)) {
      const metric = promMetricFor(app.name, name);
      if (metric) b.add(metric, labels, Number(value));
      else unmapped.push(`${app.name}/${name}`);
    }
  }
  if (s.backlog) {
    b.add(SUITE.visible, {}, s.backlog.visible);
    b.add(SUITE.notVisible, {}, s.backlog.notVisible);
    b.add(SUITE.backlogAt, {}, s.backlog.at / 1000);
  }
  return { body: await b.render(), unmapped };
}
