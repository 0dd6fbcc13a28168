// The catalog refusing our token (401, 403) is the suite's problem, not any job's: every job that
// finishes meanwhile waits for it. Reported at error level (so it is mailed) when it starts and then
// at most every `repeatMs` while it lasts, at info level when the token works again; `failing` is a
// pm2 metric that `oam-status health` reports.
import type { CatalogAuthError } from "../shared/util/errors";
import type { Logger } from "../shared/runtime/logger";
import { EVENT } from "../shared/runtime/names";

export class TokenAlarm {
  failures = 0;
  private failingSince = 0;
  private lastReportAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly repeatMs = 10 * 60_000,
  ) {}

  get failing(): boolean {
    return this.failingSince > 0;
  }

  refused(err: CatalogAuthError, jobId: string, now = Date.now()): void {
    this.failures++;
    if (!this.failingSince) this.failingSince = now;
    const report = now - this.lastReportAt >= this.repeatMs;
    if (report) this.lastReportAt = now;
    this.logger.log(report ? "error" : "warn", "the catalog refuses the API token; jobs wait and are retried until it works (check OAM_API_TOKEN)", {
      event: EVENT.catalogTokenRefused,
      httpStatus: err.status,
      response: err.responseBody,
      jobId,
      failingForSeconds: Math.round((now - this.failingSince) / 1000),
    });
  }

  accepted(now = Date.now()): void {
    if (!this.failingSince) return;
    this.logger.info("the catalog accepts the API token again", { event: "catalog.token_accepted", refusedForSeconds: Math.round((now - this.failingSince) / 1000) });
    this.failingSince = 0;
    this.lastReportAt = 0;
  }
}
