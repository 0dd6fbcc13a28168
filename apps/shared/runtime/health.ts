// When the suite is healthy and when it is ready, from what pm2 knows of its apps: the one place
// for these rules, used by `oam-status health` and by /healthz and /readyz.
//   healthy: every app online in pm2, and the poller completing polls (a poller that has run longer
//            than OAM_HEALTH_MAX_POLL_AGE_SECONDS without a poll for as long is stuck or cut off);
//   ready:   healthy, and doing its job: every app has reported its metrics (it has started) and
//            the poller has completed a poll since its start (SQS answers, the credentials work).
// A catalog that refuses the token is a failure: finished jobs wait until an operator fixes it.
// A store that ignores conditional writes is a note, not a failure: one suite stays correct
// (DESIGN, "What the suite may assume of its store").
import { EVENT, METRIC, SUITE_APPS } from "./names";
import type { Pm2App } from "./pm2-processes";

export interface HealthAssessment {
  healthy: boolean;
  /** Why it is not healthy. */
  problems: string[];
  ready: boolean;
  /** Why it is not ready (the problems, and what has not happened yet). */
  notReady: string[];
  /** Worth knowing, not a failure. */
  notes: string[];
  /** What the consumers learned of the store at start (store-probe.ts): unknown until both have said. */
  store: { conditionalWrites: "honoured" | "ignored" | "unknown" };
}

export function assessHealth(apps: Pm2App[], maxPollAgeSeconds: number, now = Date.now()): HealthAssessment {
  const problems: string[] = [];
  const waiting: string[] = [];
  const notes: string[] = [];
  for (const name of SUITE_APPS) {
    const app = apps.find((a) => a.name === name);
    if (!app) problems.push(`${name} is not in pm2`);
    else if (app.status !== "online") problems.push(`${name} is ${app.status}`);
    else if (Object.keys(app.metrics).length === 0) waiting.push(`${name} has not reported its metrics yet`);
  }
  const poller = apps.find((a) => a.name === "poller");
  if (poller?.status === "online") {
    const uptimeSeconds = Math.round((now - poller.startedAt) / 1000);
    const raw = poller.metrics[METRIC.lastPollAge];
    const pollAge = raw === undefined ? -1 : Number(raw);
    if (uptimeSeconds > maxPollAgeSeconds && (pollAge < 0 || pollAge > maxPollAgeSeconds)) {
      problems.push(`the poller has not completed a poll for ${pollAge < 0 ? `its ${uptimeSeconds} s of uptime` : `${pollAge} s`}`);
    } else if (pollAge < 0) {
      waiting.push("the poller has not completed a poll yet");
    }
  }
  const notifier = apps.find((a) => a.name === "catalog-notifier");
  if (notifier?.status === "online" && Number(notifier.metrics[METRIC.catalogTokenRefused]) === 1) {
    problems.push(`the catalog refuses the API token (HTTP 401/403): finished jobs wait until it works (catalog-notifier log, event ${EVENT.catalogTokenRefused})`);
  }
  const probed = ["status-writer", "catalog-notifier"].map((n) => apps.find((a) => a.name === n)?.metrics[METRIC.storeConditionalWrites]).map(Number);
  const conditionalWrites = probed.includes(0) ? "ignored" : probed.every((v) => v === 1) ? "honoured" : "unknown";
  if (conditionalWrites === "ignored") {
    notes.push("the S3 store ignores conditional writes (If-None-Match/If-Match): this suite reads before writing and stays correct, but two suites must not share its bucket and prefix");
  }
  const notReady = [...problems, ...waiting];
  return { healthy: problems.length === 0, problems, ready: notReady.length === 0, notReady, notes, store: { conditionalWrites } };
}
