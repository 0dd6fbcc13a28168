// The monitoring endpoint of the suite running under pm2 (production profile, local SQS and S3, a
// catalog stand-in): /metrics moves as messages flow and passes `promtool check metrics`, every
// pm2 metric of every app has its Prometheus name, no token reaches a scrape, /healthz and
// /readyz answer from pm2 with the reason when an app is down.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promMetricFor } from "../../apps/shared/monitoring/pm2-metric-names";
import { SUITE_APPS } from "../../apps/shared/runtime/names";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, type LocalS3, type LocalSqs } from "../support/local-servers";
import { parseExposition, promtoolCheck, promtoolMissing, sampleValue, type Sample } from "../support/prometheus";
import { sendAll, startSuite, type Suite } from "../support/suite";
import { waitFor } from "../support/wait";
import { interleave, lifecycle } from "../support/workload";

const API_TOKEN = "metrics-e2e-api-token-93be01";
const METRICS_TOKEN = "metrics-e2e-scrape-token-5a7c";
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("the monitoring endpoint of the suite under pm2", () => {
  let sqs: LocalSqs;
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let suite: Suite;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${suite.metricsUrl}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  const scrapeText = async () => {
    const res = await get("/metrics", { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    return res.text();
  };
  const scrape = async () => parseExposition(await scrapeText());
  const perApp = (s: Sample[], name: string, app: string) => sampleValue(s, name, { app });

  beforeAll(async () => {
    [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3(), startCatalogStandIn()]);
    suite = await startSuite(sqs, s3, { OAM_CATALOG_URL: catalog.url, OAM_API_TOKEN: API_TOKEN, OAM_METRICS_TOKEN: METRICS_TOKEN });
    await waitFor(async () => (await get("/readyz")).status === 200, { what: "/readyz to answer 200", timeoutMs: 60_000, intervalMs: 250 });
  }, 120_000);

  afterAll(async () => {
    await suite?.stop();
    await Promise.all([sqs?.stop(), s3?.stop(), catalog?.close()]);
  });

  it("listens on loopback only, and /metrics wants the bearer token", async () => {
    expect(new URL(suite.metricsUrl).hostname).toBe("127.0.0.1");
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", { authorization: "Bearer wrong-token" })).status).toBe(401);
    const ok = await get("/metrics", { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const om = await get("/metrics", { authorization: `Bearer ${METRICS_TOKEN}`, accept: "application/openmetrics-text; version=1.0.0" });
    expect(om.headers.get("content-type")).toContain("application/openmetrics-text");
    expect((await om.text()).trimEnd().endsWith("# EOF")).toBe(true);
  });

  it("counts messages as they flow, per app", async () => {
    const before = await scrape();
    expect(sampleValue(before, "oam_status_build_info", { version: VERSION })).toBe(1);
    expect(sampleValue(before, "oam_status_pm2_up")).toBe(1);
    for (const app of SUITE_APPS) {
      expect(perApp(before, "oam_status_app_up", app), app).toBe(1);
      expect(perApp(before, "oam_status_app_resident_memory_bytes", app), app).toBeGreaterThan(10 * 2 ** 20);
      expect(perApp(before, "oam_status_app_cpu_seconds_total", app), app).toBeGreaterThan(0);
      expect(perApp(before, "oam_status_app_restarts_total", app), app).toBe(0);
      expect(perApp(before, "oam_status_nodejs_heap_used_bytes", app), app).toBeGreaterThan(0);
    }
    expect(sampleValue(before, "oam_status_sqs_messages_visible")).toBe(0);
    const received0 = perApp(before, "oam_status_messages_received_total", "poller") ?? 0;

    const jobs = Array.from({ length: 20 }, (_, i) => lifecycle(i + 1, "metrics"));
    const finished = jobs.filter((j) => j.finished).length;
    await sendAll(sqs, interleave(jobs));
    const messages = jobs.length * 4;
    const after = await waitFor(
      async () => {
        const s = await scrape();
        // Each app reports its metrics to pm2 on its own clock, so wait until every app's
        // report has caught up, not only the poller's.
        return (perApp(s, "oam_status_sqs_messages_deleted_total", "poller") ?? 0) >= messages &&
          perApp(s, "oam_status_catalog_posts_total", "catalog-notifier") === finished &&
          perApp(s, "oam_status_messages_in_flight", "poller") === 0 &&
          (perApp(s, "oam_status_messages_received_total", "status-writer") ?? 0) >= messages &&
          (perApp(s, "oam_status_documents_written_total", "status-writer") ?? 0) >= jobs.length
          ? s
          : undefined;
      },
      { what: "the scrape to show every message through", timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(perApp(after, "oam_status_messages_received_total", "poller")).toBeGreaterThanOrEqual(received0 + messages);
    expect(perApp(after, "oam_status_messages_acked_total", "poller")).toBeGreaterThanOrEqual(messages);
    expect(perApp(after, "oam_status_messages_received_total", "status-writer")).toBeGreaterThanOrEqual(messages);
    expect(perApp(after, "oam_status_documents_written_total", "status-writer")).toBeGreaterThanOrEqual(jobs.length);
    expect(catalog.requests.length).toBe(finished);
    expect(perApp(after, "oam_status_sqs_receive_calls_total", "poller")).toBeGreaterThan(perApp(before, "oam_status_sqs_receive_calls_total", "poller")!);
    expect(perApp(after, "oam_status_last_poll_age_seconds", "poller")).toBeLessThan(5);
    expect(perApp(after, "oam_status_oldest_in_flight_age_seconds", "poller")).toBe(0);
    expect(perApp(after, "oam_status_janitor_last_run_age_seconds", "janitor")).toBe(-1);
    // The backlog was asked for at the first scrape and is not asked again within the minute.
    expect(sampleValue(after, "oam_status_sqs_backlog_timestamp_seconds")).toBe(sampleValue(before, "oam_status_sqs_backlog_timestamp_seconds"));
  });

  it("has a Prometheus name for every pm2 metric every app reports", async () => {
    const procs = await suite.pm2.jlist();
    for (const p of procs) {
      const names = Object.keys(p.pm2_env.axm_monitor ?? {});
      expect(names.length, p.name).toBeGreaterThan(3);
      for (const name of names) expect(promMetricFor(p.name, name), `${p.name}: ${name}`).toBeDefined();
    }
  });

  it.skipIf(promtoolMissing)(`passes promtool check metrics${promtoolMissing ? ` (skipped: ${promtoolMissing})` : ""}`, async () => {
    expect(await promtoolCheck(await scrapeText())).toBe("");
  });

  it("never shows a token in a scrape", async () => {
    const text = await scrapeText();
    expect(text).not.toContain(API_TOKEN);
    expect(text).not.toContain(METRICS_TOKEN);
    for (const path of ["/healthz", "/readyz"]) {
      const body = await (await get(path)).text();
      expect(body).not.toContain(API_TOKEN);
      expect(body).not.toContain(METRICS_TOKEN);
    }
  });

  it("answers /healthz and /readyz from pm2, with the reason while an app is down", async () => {
    const healthy = await get("/healthz");
    expect(healthy.status).toBe(200);
    expect(await healthy.text()).toMatch(/^healthy\n/);
    expect((await get("/readyz")).status).toBe(200);
    await suite.pm2.run(["stop", "status-writer"], suite.env);
    try {
      const res = await get("/healthz");
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("status-writer is stopped");
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain("status-writer is stopped");
      const s = await scrape();
      expect(perApp(s, "oam_status_app_up", "status-writer")).toBe(0);
      expect(perApp(s, "oam_status_app_up", "poller")).toBe(1);
    } finally {
      await suite.pm2.run(["start", "status-writer"], suite.env);
    }
    await waitFor(async () => (await get("/healthz")).status === 200, { what: "/healthz healthy again" });
    expect((await get("/nothing-here")).status).toBe(404);
  });
});
