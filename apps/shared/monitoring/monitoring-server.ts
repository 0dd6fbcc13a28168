// The suite's HTTP endpoint for monitoring and orchestrators, on OAM_METRICS_HOST:OAM_METRICS_PORT
// (loopback by default):
//   GET /metrics  Prometheus text format, or OpenMetrics when the scraper asks for it; behind
//                 `Authorization: Bearer <OAM_METRICS_TOKEN>` when a token is set
//   GET /healthz  200 "healthy", or 503 with the reasons, one a line (apps/shared/runtime/health.ts)
//   GET /readyz   200 "ready", or 503 with what is missing
// The health answers carry app names and states only, and stay open so a probe needs no secret.
// Everything comes from what pm2 already holds, so a scrape or probe costs one pm2 list and, at
// most once a minute, one SQS call.
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../util/errors";
import { type Logger } from "../runtime/logger";
import { assessHealth, type HealthAssessment } from "../runtime/health";
import type { Pm2App, Pm2Processes } from "../runtime/pm2-processes";
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, renderMetrics } from "./exposition";
import { processCpuSeconds } from "./process-cpu";
import type { QueueBacklog } from "./queue-backlog";

export interface MonitoringOptions {
  host: string;
  port: number;
  token?: string;
  maxPollAgeSeconds: number;
  pm2: Pick<Pm2Processes, "list" | "close">;
  backlog?: QueueBacklog;
  version: string;
  logger: Logger;
  /** How long to wait before trying to listen again when the address is taken. */
  relistenMs?: number;
}

const RELISTEN_MS = 30_000;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class MonitoringServer {
  private readonly server: http.Server;
  private readonly reportedUnmapped = new Set<string>();
  private relisten?: NodeJS.Timeout;
  private listening?: Promise<void>;
  private stopped = false;
  private pm2Unavailable = false;

  constructor(private readonly opts: MonitoringOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        opts.logger.error("monitoring request failed", { event: "monitoring.request_failed", path: req.url, error: errorMessage(err) });
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("internal error\n");
      });
    });
    this.server.requestTimeout = 10_000;
    this.server.headersTimeout = 5_000;
  }

  /** Where it listens (port resolved when 0 was asked for). */
  address(): AddressInfo | undefined {
    const a = this.server.address();
    return a && typeof a === "object" ? a : undefined;
  }

  /**
   * Starts listening. An address in use does not stop the app: it is logged and tried again every
   * 30 s, so the janitor keeps pruning while the health check reports the problem by failing.
   */
  start(): Promise<void> {
    this.listening ??= new Promise<void>((resolve) => {
      const { host, port, logger } = this.opts;
      let failures = 0;
      const attempt = () => {
        if (this.stopped) return resolve();
        const onError = (err: NodeJS.ErrnoException) => {
          if (failures++ === 0) {
            logger.error(`cannot listen on ${host}:${port} (OAM_METRICS_HOST, OAM_METRICS_PORT): ${err.code ?? err.message}; trying again every ${(this.opts.relistenMs ?? RELISTEN_MS) / 1000} s`, {
              event: "monitoring.listen_failed",
              error: errorMessage(err),
            });
          }
          this.relisten = setTimeout(attempt, this.opts.relistenMs ?? RELISTEN_MS);
          this.relisten.unref();
          resolve();
        };
        this.server.once("error", onError);
        this.server.listen(port, host, () => {
          this.server.off("error", onError);
          const a = this.address();
          logger.info("serving /metrics, /healthz, /readyz", { event: "monitoring.listening", host: a?.address, port: a?.port, token: Boolean(this.opts.token) });
          resolve();
        });
      };
      attempt();
    });
    return this.listening;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relisten) clearTimeout(this.relisten);
    this.opts.pm2.close();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return this.text(res, 405, "only GET and HEAD\n", { allow: "GET, HEAD" });
    switch (path) {
      case "/metrics":
        return this.metrics(req, res);
      case "/healthz": {
        const h = await this.health();
        return this.text(res, h.healthy ? 200 : 503, [h.healthy ? "healthy" : "unhealthy", ...h.problems, ...h.notes.map((n) => `note: ${n}`)].join("\n") + "\n");
      }
      case "/readyz": {
        const h = await this.health();
        return this.text(res, h.ready ? 200 : 503, [h.ready ? "ready" : "not ready", ...h.notReady].join("\n") + "\n");
      }
      default:
        return this.text(res, 404, "not found: /metrics, /healthz and /readyz are served here\n");
    }
  }

  private text(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
    res.end(body);
  }

  private async apps(): Promise<{ apps?: Pm2App[]; error?: string }> {
    try {
      return { apps: await this.opts.pm2.list() };
    } catch (err) {
      return { error: errorMessage(err) };
    }
  }

  private async health(): Promise<HealthAssessment> {
    const { apps, error } = await this.apps();
    if (!apps) return { healthy: false, problems: [error!], ready: false, notReady: [error!], notes: [], store: { conditionalWrites: "unknown" } };
    return assessHealth(apps, this.opts.maxPollAgeSeconds);
  }

  private async metrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { token } = this.opts;
    if (token) {
      const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
      if (!m || !sameSecret(m[1].trim(), token)) {
        return this.text(res, 401, "a bearer token is required (the value of OAM_METRICS_TOKEN)\n", { "www-authenticate": 'Bearer realm="oam-status metrics"' });
      }
    }
    const contentType = (req.headers.accept ?? "").includes("application/openmetrics-text") ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    const [{ apps, error }, backlog] = await Promise.all([this.apps(), this.opts.backlog?.get()]);
    // Said once when pm2 stops answering and once when it is back, not at every scrape.
    if (error && !this.pm2Unavailable) this.opts.logger.warn("pm2 cannot be read: /metrics shows oam_status_pm2_up 0", { event: "monitoring.pm2_unavailable", error });
    if (!error && this.pm2Unavailable) this.opts.logger.info("pm2 answers again", { event: "monitoring.pm2_available" });
    this.pm2Unavailable = Boolean(error);
    const { body, unmapped } = await renderMetrics({ apps, backlog, version: this.opts.version, cpuSeconds: processCpuSeconds }, contentType);
    for (const name of unmapped) {
      if (this.reportedUnmapped.has(name)) continue;
      this.reportedUnmapped.add(name);
      this.opts.logger.warn(`pm2 metric ${name} has no Prometheus name (apps/shared/monitoring/pm2-metric-names.ts): left out of /metrics`, { event: "monitoring.unmapped_metric", metric: name });
    }
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  }
}
