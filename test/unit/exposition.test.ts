// /metrics rendering from a snapshot of pm2's apps: names, types, units, labels, unmapped metrics.
import { describe, expect, it } from "vitest";
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, renderMetrics, type Snapshot } from "../../apps/shared/monitoring/exposition";
import type { Pm2App } from "../../apps/shared/runtime/pm2-processes";
import { pm2App } from "../support/pm2-app";
import { parseExposition, promtoolCheck, promtoolMissing, sampleValue } from "../support/prometheus";

// The fields the samples below are read from: pid (CPU time, through `cpuSeconds`), restarts, start time, memory.
const app = (name: string, metrics: Record<string, number | string>, more: Partial<Pm2App> = {}) =>
  pm2App(name, { pid: 1000 + name.length, restarts: 2, startedAt: 1_700_000_000_000, memoryBytes: 80 * 2 ** 20, metrics, ...more });

const snapshot = (apps?: Pm2App[]): Snapshot => ({
  apps,
  backlog: { visible: 12, notVisible: 3, at: 1_700_000_100_000 },
  version: "1.2.3",
  cpuSeconds: (pid) => pid / 1000,
});

const APPS = [
  app("poller", { received: 40, "in flight": 5, "oldest in-flight age": 1500 / 1000, "last poll age": -1, deleted: 30, "Event Loop Latency p95": 12.5 }),
  app("status-writer", { received: 38, "in flight": 2, "documents written": 20, "Used Heap Size": 20, "store conditional writes": 1 }),
  app("janitor", { deleted: 7, "last run age": 3600, "a metric nobody mapped": 1 }),
  app("catalog-notifier", {}, { status: "stopped", pid: 0 }),
  app('other "app"\\x', { whatever: 1 }),
];

describe("renderMetrics", () => {
  it("names each app's pm2 metrics the Prometheus way, one series per app", async () => {
    const { body, unmapped } = await renderMetrics(snapshot(APPS), PROMETHEUS_CONTENT_TYPE);
    const s = parseExposition(body);
    expect(sampleValue(s, "oam_status_messages_received_total", { app: "poller" })).toBe(40);
    expect(sampleValue(s, "oam_status_messages_received_total", { app: "status-writer" })).toBe(38);
    expect(sampleValue(s, "oam_status_messages_in_flight", { app: "poller" })).toBe(5);
    expect(sampleValue(s, "oam_status_last_poll_age_seconds", { app: "poller" })).toBe(-1);
    expect(sampleValue(s, "oam_status_store_conditional_writes", { app: "status-writer" })).toBe(1);
    // The same pm2 name means different things in different apps.
    expect(sampleValue(s, "oam_status_sqs_messages_deleted_total", { app: "poller" })).toBe(30);
    expect(sampleValue(s, "oam_status_janitor_deleted_documents_total", { app: "janitor" })).toBe(7);
    // Units converted to base units.
    expect(sampleValue(s, "oam_status_nodejs_eventloop_delay_p95_seconds", { app: "poller" })).toBeCloseTo(0.0125);
    expect(sampleValue(s, "oam_status_nodejs_heap_used_bytes", { app: "status-writer" })).toBe(20 * 2 ** 20);
    expect(body).toContain("# TYPE oam_status_messages_received_total counter");
    expect(body).toContain("# TYPE oam_status_messages_in_flight gauge");
    expect(unmapped).toEqual(["janitor/a metric nobody mapped"]);
  });

  it("shows pm2's view of every app, its backlog and build", async () => {
    const s = parseExposition((await renderMetrics(snapshot(APPS), PROMETHEUS_CONTENT_TYPE)).body);
    expect(sampleValue(s, "oam_status_app_up", { app: "poller" })).toBe(1);
    expect(sampleValue(s, "oam_status_app_up", { app: "catalog-notifier" })).toBe(0);
    expect(sampleValue(s, "oam_status_app_restarts_total", { app: "catalog-notifier" })).toBe(2);
    expect(sampleValue(s, "oam_status_app_resident_memory_bytes", { app: "poller" })).toBe(80 * 2 ** 20);
    expect(sampleValue(s, "oam_status_app_cpu_seconds_total", { app: "poller" })).toBeCloseTo(1.006);
    expect(sampleValue(s, "oam_status_app_cpu_seconds_total", { app: "catalog-notifier" })).toBeUndefined();
    expect(sampleValue(s, "oam_status_app_start_time_seconds", { app: "poller" })).toBe(1_700_000_000);
    expect(sampleValue(s, "oam_status_sqs_messages_visible")).toBe(12);
    expect(sampleValue(s, "oam_status_sqs_messages_not_visible")).toBe(3);
    expect(sampleValue(s, "oam_status_build_info", { version: "1.2.3" })).toBe(1);
    expect(sampleValue(s, "oam_status_pm2_up")).toBe(1);
    // An app that is not the suite's: pm2's view only, its name escaped as a label value.
    expect(sampleValue(s, "oam_status_app_up", { app: 'other "app"\\x' })).toBe(1);
    expect(s.some((x) => x.name.includes("whatever"))).toBe(false);
  });

  it("says pm2 is down and still renders the rest", async () => {
    const s = parseExposition((await renderMetrics(snapshot(undefined), PROMETHEUS_CONTENT_TYPE)).body);
    expect(sampleValue(s, "oam_status_pm2_up")).toBe(0);
    expect(sampleValue(s, "oam_status_sqs_messages_visible")).toBe(12);
  });

  it("speaks OpenMetrics when asked", async () => {
    const { body } = await renderMetrics(snapshot(APPS), OPENMETRICS_CONTENT_TYPE);
    expect(body).toContain("# TYPE oam_status_messages_received counter");
    expect(body).toContain('oam_status_messages_received_total{app="poller"} 40');
    expect(body.endsWith("# EOF\n")).toBe(true);
  });

  it.skipIf(promtoolMissing)(`passes promtool check metrics${promtoolMissing ? ` (skipped: ${promtoolMissing})` : ""}`, async () => {
    expect(await promtoolCheck((await renderMetrics(snapshot(APPS), PROMETHEUS_CONTENT_TYPE)).body)).toBe("");
  });
});
