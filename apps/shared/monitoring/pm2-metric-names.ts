// The one table from the apps' pm2 metric names (what `pm2 monit` shows, set in each app's main.ts)
// to the names /metrics exports them under, Prometheus style. Every series carries an `app` label,
// so a name the apps share ("received", "in flight") is one metric with one series per app.
// A pm2 metric missing here is left out of /metrics and logged once (monitoring.unmapped_metric);
// adding one is one line.

import { METRIC } from "../runtime/names";

export type PromType = "counter" | "gauge";

export interface PromMetric {
  /** Prometheus name: oam_status_..., base units in the name, counters end in _total. */
  name: string;
  type: PromType;
  help: string;
  /** Factor from the pm2 value's unit to the Prometheus base unit (ms -> s: 0.001). */
  scale?: number;
}

/** A name that means different things in different apps is keyed "<app>/<pm2 name>". */
export const PM2_METRIC_NAMES: Record<string, PromMetric> = {
  // shared by several apps
  [METRIC.received]: { name: "oam_status_messages_received_total", type: "counter", help: "Messages taken in: from SQS (poller), off the bus (consumers)." },
  [METRIC.acked]: { name: "oam_status_messages_acked_total", type: "counter", help: "Messages acked by every consumer that must handle them." },
  [METRIC.inFlight]: { name: "oam_status_messages_in_flight", type: "gauge", help: "Messages published and waiting for acks (poller), being worked on (consumers)." },
  [METRIC.quarantined]: { name: "oam_status_messages_quarantined_total", type: "counter", help: "Messages set aside in quarantine with their reason." },
  [METRIC.storeConditionalWrites]: { name: "oam_status_store_conditional_writes", type: "gauge", help: "1 when the S3 store honours If-None-Match/If-Match on PUT, 0 when it ignores them, -1 before the probe has answered." },
  // poller
  [METRIC.polls]: { name: "oam_status_sqs_receive_calls_total", type: "counter", help: "ReceiveMessage calls completed." },
  [METRIC.oldestInFlightAge]: { name: "oam_status_oldest_in_flight_age_seconds", type: "gauge", help: "How long the oldest message in flight has waited for its acks." },
  [METRIC.lastPollAge]: { name: "oam_status_last_poll_age_seconds", type: "gauge", help: "Seconds since the last successful ReceiveMessage; -1 before the first." },
  [METRIC.republished]: { name: "oam_status_messages_republished_total", type: "counter", help: "Republications after a late ack or a (re)subscription." },
  [`poller/${METRIC.deleted}`]: { name: "oam_status_sqs_messages_deleted_total", type: "counter", help: "Messages deleted from SQS once fully acked." },
  [METRIC.deleteCalls]: { name: "oam_status_sqs_delete_calls_total", type: "counter", help: "DeleteMessageBatch calls." },
  // status-writer
  [METRIC.documentsWritten]: { name: "oam_status_documents_written_total", type: "counter", help: "Status documents written to S3." },
  [METRIC.stale]: { name: "oam_status_messages_stale_total", type: "counter", help: "Messages older than the stored document, not written (redeliveries)." },
  [METRIC.superseded]: { name: "oam_status_messages_superseded_total", type: "counter", help: "Messages coalesced: a newer message of the same job was written instead." },
  [METRIC.conditionalWriteConflicts]: { name: "oam_status_conditional_write_conflicts_total", type: "counter", help: "Conditional S3 writes lost to another writer (412)." },
  [METRIC.writeRetries]: { name: "oam_status_s3_write_retries_total", type: "counter", help: "Failed S3 writes retried." },
  // catalog-notifier
  [METRIC.catalogPosts]: { name: "oam_status_catalog_posts_total", type: "counter", help: "Successful (or mocked) catalog posts." },
  [METRIC.catalogRetries]: { name: "oam_status_catalog_retries_total", type: "counter", help: "Catalog post attempts retried." },
  [METRIC.catalogFailures]: { name: "oam_status_catalog_rejections_total", type: "counter", help: "Catalog posts rejected with a 4xx, recorded and not retried." },
  [METRIC.catalogAuthFailures]: { name: "oam_status_catalog_auth_failures_total", type: "counter", help: "Catalog requests refused for the token (401/403)." },
  [METRIC.catalogTokenRefused]: { name: "oam_status_catalog_token_refused", type: "gauge", help: "1 while the catalog refuses the API token (finished jobs wait), else 0." },
  [METRIC.foundInCatalog]: { name: "oam_status_catalog_found_total", type: "counter", help: "Jobs whose earlier post's outcome was unknown and that the catalog already had: recorded, not posted again." },
  [METRIC.alreadyPosted]: { name: "oam_status_catalog_already_posted_total", type: "counter", help: "Finished jobs skipped because they were already posted." },
  [METRIC.claimConflicts]: { name: "oam_status_catalog_claim_conflicts_total", type: "counter", help: "Catalog claims lost to another suite." },
  [METRIC.postsInProgress]: { name: "oam_status_catalog_posts_in_progress", type: "gauge", help: "Jobs between their POST and its recorded outcome." },
  // janitor
  [METRIC.lastRunAge]: { name: "oam_status_janitor_last_run_age_seconds", type: "gauge", help: "Seconds since the janitor's last prune; -1 for none since its start." },
  [METRIC.lastRunDeleted]: { name: "oam_status_janitor_last_run_deleted_documents", type: "gauge", help: "Status documents deleted by the last prune." },
  [`janitor/${METRIC.deleted}`]: { name: "oam_status_janitor_deleted_documents_total", type: "counter", help: "Status documents deleted since the janitor's start." },
  [METRIC.failedRuns]: { name: "oam_status_janitor_failed_runs_total", type: "counter", help: "Prunes that failed." },
  // Node.js runtime, every app (apps/shared/runtime/metrics.ts)
  "Used Heap Size": { name: "oam_status_nodejs_heap_used_bytes", type: "gauge", help: "V8 heap in use.", scale: 2 ** 20 },
  "Heap Size": { name: "oam_status_nodejs_heap_size_bytes", type: "gauge", help: "V8 heap allocated.", scale: 2 ** 20 },
  "Event Loop Latency": { name: "oam_status_nodejs_eventloop_delay_p50_seconds", type: "gauge", help: "Median of the event loop's delay (how late a 1 s timer fires) over the last minute.", scale: 0.001 },
  "Event Loop Latency p95": { name: "oam_status_nodejs_eventloop_delay_p95_seconds", type: "gauge", help: "95th percentile of the event loop's delay (how late a 1 s timer fires) over the last minute.", scale: 0.001 },
  "Active resources": { name: "oam_status_nodejs_active_resources", type: "gauge", help: "Handles, requests and timers keeping the process alive." },
};

/** The Prometheus metric for an app's pm2 metric, or undefined when the table has none. */
export function promMetricFor(app: string, pm2Name: string): PromMetric | undefined {
  return PM2_METRIC_NAMES[`${app}/${pm2Name}`] ?? PM2_METRIC_NAMES[pm2Name];
}
