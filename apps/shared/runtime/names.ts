// Names that one process writes and another reads: the apps as pm2 knows them, the pm2 metrics the
// apps report (read by `oam-status health`, /metrics and the tests), and the log events other
// processes look for (the log-flush wait, `oam-status ping`, the benchmark, the tests). Each is
// written here once and imported by both sides, so renaming one cannot silently break its reader.

/** The suite's apps, as ecosystem.config.js starts them and pm2 names them. */
export const SUITE_APPS = ["poller", "status-writer", "catalog-notifier", "janitor"] as const;
export type SuiteApp = (typeof SUITE_APPS)[number];

/** The apps' pm2 metrics (`pm2 monit`, `pm2 show`), by what they mean. */
export const METRIC = {
  // several apps
  received: "received",
  inFlight: "in flight",
  quarantined: "quarantined",
  storeConditionalWrites: "store conditional writes",
  // poller
  polls: "polls",
  acked: "acked",
  oldestInFlightAge: "oldest in-flight age",
  lastPollAge: "last poll age",
  republished: "republished",
  deleted: "deleted",
  deleteCalls: "delete calls",
  // status-writer
  documentsWritten: "documents written",
  stale: "older, not written",
  superseded: "superseded, not written",
  conditionalWriteConflicts: "conditional-write conflicts",
  writeRetries: "write retries",
  // catalog-notifier
  catalogPosts: "catalog posts",
  catalogRetries: "catalog retries",
  catalogFailures: "catalog failures",
  catalogAuthFailures: "catalog auth failures",
  catalogTokenRefused: "catalog token refused",
  alreadyPosted: "already posted",
  foundInCatalog: "found in catalog",
  claimConflicts: "claim conflicts",
  postsInProgress: "posts in progress",
  // janitor
  lastRunAge: "last run age",
  lastRunDeleted: "last run deleted",
  failedRuns: "failed runs",
} as const;

/** Log events that another process reads. */
export const EVENT = {
  appStarted: "app.started",
  appStopped: "app.stopped",
  /** Carries the receive -> durable latencies the benchmark reads (debug level). */
  statusWritten: "status.written",
  /** The poller's answer to {"test": true}, which `oam-status ping` waits for. */
  messageTest: "message.test",
  messageInvalid: "message.invalid",
  messageQuarantined: "message.quarantined",
  catalogTokenRefused: "catalog.token_refused",
} as const;
