// The monitoring server on a real socket, with the queue's backlog from the local SQS server: the
// bearer token, loopback by default, the backlog asked at most once per interval however often it
// is scraped, the answers when pm2 cannot be read, and an address in use (logged, tried again).
// pm2 itself is stood in for here; test/e2e/metrics.e2e.test.ts scrapes the suite under pm2.
import http from "node:http";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MonitoringServer } from "../../apps/shared/monitoring/monitoring-server";
import { QueueBacklog } from "../../apps/shared/monitoring/queue-backlog";
import { Pm2Unavailable, type Pm2App } from "../../apps/shared/runtime/pm2-processes";
import { capturingLogger } from "../support/capture-logger";
import { CREDENTIALS, REGION, startLocalSqs, type LocalSqs } from "../support/local-servers";
import { freePort } from "../support/ports";
import { pm2App } from "../support/pm2-app";
import { parseExposition, sampleValue } from "../support/prometheus";
import { countRequests } from "../support/request-counter";
import { waitFor } from "../support/wait";

const TOKEN = "integration-scrape-token-61d0";
const app = (name: string, metrics: Record<string, number>) => pm2App(name, { metrics });
const SUITE = [app("poller", { "last poll age": 1, received: 3 }), app("status-writer", { received: 3 }), app("catalog-notifier", { received: 1 }), app("janitor", { deleted: 0 })];

describe("the monitoring server", () => {
  let sqs: LocalSqs;
  const servers: MonitoringServer[] = [];
  const { logger, lines } = capturingLogger("janitor");

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(async () => {
    await sqs?.stop();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  async function start(opts: { token?: string; apps?: () => Pm2App[]; backlog?: QueueBacklog; host?: string; port?: number; relistenMs?: number } = {}) {
    const server = new MonitoringServer({
      host: opts.host ?? "127.0.0.1",
      port: opts.port ?? (await freePort()),
      token: opts.token,
      maxPollAgeSeconds: 120,
      pm2: {
        list: async () => (opts.apps ? opts.apps() : SUITE),
        close: () => undefined,
      },
      backlog: opts.backlog,
      version: "9.9.9",
      logger,
      relistenMs: opts.relistenMs,
    });
    servers.push(server);
    await server.start();
    return server;
  }
  const url = (s: MonitoringServer, path: string) => `http://127.0.0.1:${s.address()!.port}${path}`;
  const get = (s: MonitoringServer, path: string, headers: Record<string, string> = {}) => fetch(url(s, path), { headers, signal: AbortSignal.timeout(10_000) });

  it("wants the bearer token for /metrics, not for the health answers", async () => {
    const s = await start({ token: TOKEN });
    const denied = await get(s, "/metrics");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toContain("Bearer");
    expect(await denied.text()).not.toContain(TOKEN);
    expect((await get(s, "/metrics", { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await get(s, "/metrics", { authorization: `Basic ${Buffer.from(`a:${TOKEN}`).toString("base64")}` })).status).toBe(401);
    const ok = await get(s, "/metrics", { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(sampleValue(parseExposition(await ok.text()), "oam_status_messages_received_total", { app: "poller" })).toBe(3);
    expect((await get(s, "/healthz")).status).toBe(200);
    expect((await get(s, "/readyz")).status).toBe(200);
    expect((await fetch(url(s, "/metrics"), { method: "POST" })).status).toBe(405);
  });

  it("listens on loopback unless told otherwise", async () => {
    const s = await start();
    expect(s.address()!.address).toBe("127.0.0.1");
  });

  it("asks SQS for the backlog at most once per interval, however often it is scraped", async () => {
    const queueUrl = await sqs.createQueue("monitoring-backlog");
    const client = sqs.client;
    await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [1, 2, 3].map((i) => ({ Id: String(i), MessageBody: `{"n":${i}}` })) }));
    const counted = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials: CREDENTIALS });
    const requests = countRequests(counted);
    const backlog = new QueueBacklog(counted, queueUrl, 1500, (err) => {
      throw err;
    });
    const s = await start({ backlog });
    const scrape = async () => parseExposition(await (await get(s, "/metrics")).text());
    const first = await scrape();
    expect(sampleValue(first, "oam_status_sqs_messages_visible")).toBe(3);
    for (let i = 0; i < 10; i++) await scrape();
    expect(requests.get("GetQueueAttributesCommand")).toBe(1);
    await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [4, 5].map((i) => ({ Id: String(i), MessageBody: `{"n":${i}}` })) }));
    // Once the interval has passed, the next scrape asks again and shows the new count.
    const later = await waitFor(async () => {
      const m = await scrape();
      return sampleValue(m, "oam_status_sqs_messages_visible") === 5 ? m : undefined;
    }, { what: "the backlog to be asked again", timeoutMs: 10_000, intervalMs: 200 });
    expect(requests.get("GetQueueAttributesCommand")).toBe(2);
    expect(sampleValue(later, "oam_status_sqs_backlog_timestamp_seconds")).toBeGreaterThan(sampleValue(first, "oam_status_sqs_backlog_timestamp_seconds")!);
    counted.destroy();
  });

  it("answers 503 with the reason when pm2 cannot be read, and says so in /metrics", async () => {
    const s = await start({
      apps: () => {
        throw new Pm2Unavailable("pm2 is not running (no daemon in /nowhere)");
      },
    });
    const h = await get(s, "/healthz");
    expect(h.status).toBe(503);
    expect(await h.text()).toBe("unhealthy\npm2 is not running (no daemon in /nowhere)\n");
    const r = await get(s, "/readyz");
    expect(r.status).toBe(503);
    const m = parseExposition(await (await get(s, "/metrics")).text());
    await get(s, "/metrics");
    expect(sampleValue(m, "oam_status_pm2_up")).toBe(0);
    // Said once, not at every scrape.
    expect(lines.filter((l) => l.event === "monitoring.pm2_unavailable")).toHaveLength(1);
    expect(sampleValue(m, "oam_status_build_info", { version: "9.9.9" })).toBe(1);
  });

  it("gives the reasons of an unhealthy suite", async () => {
    const s = await start({ apps: () => [app("poller", { "last poll age": 1 }), { ...app("status-writer", {}), status: "errored" }, app("janitor", {})] });
    const res = await get(s, "/healthz");
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("unhealthy\nstatus-writer is errored\ncatalog-notifier is not in pm2\n");
  });

  it("keeps trying when its address is taken, and serves once it is free", async () => {
    const port = await freePort();
    const squatter = http.createServer();
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", r));
    const s = await start({ port, relistenMs: 100 });
    expect(lines.some((l) => l.event === "monitoring.listen_failed" && l.level === "error" && l.message.includes("OAM_METRICS_PORT"))).toBe(true);
    await new Promise((r) => squatter.close(r));
    await waitFor(async () => (await get(s, "/healthz")).status === 200, { what: "the server to listen once the port is free", timeoutMs: 10_000 });
    expect(lines.filter((l) => l.event === "monitoring.listen_failed")).toHaveLength(1);
  });
});
