// The shipped monitoring files: the Grafana dashboard shows what the issue asks for and queries only
// metrics /metrics exports; the example's Prometheus config is valid (promtool, where installed).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { exportedMetricNames } from "../../apps/shared/monitoring/exposition";
import { ROOT } from "../support/local-servers";
import { promtoolMissing } from "../support/prometheus";

const dashboard = JSON.parse(readFileSync(path.join(ROOT, "monitoring/grafana/dashboards/oam-status-suite.json"), "utf8"));
const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));

describe("the Grafana dashboard", () => {
  it("queries only metrics that /metrics exports", () => {
    const known = new Set(exportedMetricNames());
    const used = new Set(exprs.flatMap((e) => e.match(/oam_status_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(known.has(name), name).toBe(true);
  });

  it("shows messages in and out, in flight, oldest in-flight age, last poll age, restarts, retries and the backlog", () => {
    for (const name of [
      "oam_status_messages_received_total",
      "oam_status_sqs_messages_deleted_total",
      "oam_status_messages_in_flight",
      "oam_status_oldest_in_flight_age_seconds",
      "oam_status_last_poll_age_seconds",
      "oam_status_app_restarts_total",
      "oam_status_s3_write_retries_total",
      "oam_status_catalog_retries_total",
      "oam_status_sqs_messages_visible",
      "oam_status_sqs_messages_not_visible",
    ]) {
      expect(exprs.some((e) => e.includes(name)), name).toBe(true);
    }
  });

  it("uses the datasource the compose example provisions", () => {
    const provisioned = readFileSync(path.join(ROOT, "monitoring/grafana/provisioning/datasources/prometheus.yml"), "utf8");
    const uids = new Set(dashboard.panels.map((p: { datasource: { uid: string } }) => p.datasource.uid));
    expect([...uids]).toEqual(["oam-prometheus"]);
    expect(provisioned).toContain("uid: oam-prometheus");
  });
});

describe("the example's Prometheus config", () => {
  it.skipIf(promtoolMissing)(`passes promtool check config${promtoolMissing ? ` (skipped: ${promtoolMissing})` : ""}`, async () => {
    // --syntax-only: the token file it names exists only inside the Prometheus container.
    const { stdout } = await promisify(execFile)("promtool", ["check", "config", "--syntax-only", path.join(ROOT, "monitoring/prometheus.yml")]);
    expect(stdout).toContain("SUCCESS");
  });
});
