// End to end: the production profile under pm2 (ecosystem.config.js --env production) against the
// local SQS and S3 servers and a catalog stand-in. Sends the seed lifecycle and dozens of job
// lifecycles, then checks every document, every catalog request and that the queue drains.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, type LocalS3, type LocalSqs } from "../support/local-servers";
import { Pm2, pm2Metric } from "../support/pm2";
import { APPS, readJson, sendAll, startSuite, type Suite } from "../support/suite";
import { waitFor } from "../support/wait";
import { EVENT, METRIC } from "../../apps/shared/runtime/names";

const TOKEN = "e2e-secret-token-4f9c2a";
const { version: VERSION } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
/** How a log line names its event. */
const logged = (event: string) => `"event":"${event}"`;
const execFileAsync = promisify(execFile);
// The seed's sample messages (a copy of shared/samples/seed-messages.jsonl).
const seedLines = readFileSync(path.resolve(__dirname, "../fixtures/seed-messages.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim());

interface Job {
  jobId: string;
  lines: string[];
  final: { stage: string; status: string };
  finished: boolean;
  target?: string;
  images?: string[];
}

/** A job's lifecycle; every third fails in mosaic, the rest finish. */
function lifecycle(i: number): Job {
  const jobId = `job-${String(i).padStart(3, "0")}`;
  const target = i % 2 ? `s3://oam-tiles/${jobId}` : `https://tiles.example.org/${jobId}/`;
  const images = [`/vsicurl/http://bucket.s3.amazonaws.com/${jobId}/a.tif`, `http://bucket.s3.amazonaws.com/${jobId}/b.tif`];
  const msgs: object[] = [
    { jobId, stage: "chunk", status: "STARTED" },
    { jobId, stage: "chunk", status: "FINISHED" },
    { jobId, stage: "mosaic", status: "STARTED", attempt: 1 },
  ];
  const fails = i % 3 === 0;
  msgs.push(fails ? { jobId, stage: "mosaic", status: "FAILED", error: "gdal exploded" } : { jobId, stage: "mosaic", status: "FINISHED", target, images });
  return {
    jobId,
    lines: msgs.map((m) => JSON.stringify(m)),
    final: fails ? { stage: "mosaic", status: "FAILED" } : { stage: "COMPLETE", status: "SUCCESS" },
    finished: !fails,
    target,
    images,
  };
}

const readDoc = (s3: LocalS3, jobId: string) => readJson(s3.client, s3.bucket, `statuses/${jobId}-status.json`);

describe("the suite under pm2, production profile", () => {
  let sqs: LocalSqs;
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let pm2: Pm2;
  let suite: Suite;
  let logDir: string;
  let env: Record<string, string>;

  /** A log file with its rotated parts, oldest first. */
  const readAllLogs = (name: string) =>
    readdirSync(logDir)
      .filter((f) => f === name || f.startsWith(`${name}.`))
      .sort((a, b) => (Number(b.split(".").pop()) || 0) - (Number(a.split(".").pop()) || 0))
      .map((f) => readFileSync(path.join(logDir, f), "utf8"))
      .join("");
  // The CLI as an operator runs it: without the switch the tests set for the SDK's warning that
  // its 2027 releases need Node 22 (the CLI sets it itself, as ecosystem.config.js does for the apps).
  const cli = (args: string[]) =>
    execFileAsync(process.execPath, [path.resolve(__dirname, "../../dist/apps/cli/main.js"), ...args], {
      env: Object.fromEntries(Object.entries({ ...process.env, ...env, PM2_HOME: pm2.home }).filter(([k]) => k !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED")),
    });

  beforeAll(async () => {
    [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3(), startCatalogStandIn()]);
    suite = await startSuite(sqs, s3, {
      OAM_CATALOG_URL: `${catalog.url}/`,
      OAM_API_TOKEN: TOKEN,
      OAM_ACK_TIMEOUT_SECONDS: "3",
      DEBUG: "oam:*",
      // Small enough that the debug lines of this test rotate the logs.
      OAM_LOG_MAX_SIZE: "20k",
      OAM_LOG_KEEP: "2",
      OAM_LOG_ROTATE_CHECK_SECONDS: "1",
    });
    ({ pm2, env, logDir } = suite);
  });

  afterAll(async () => {
    await suite?.stop();
    await Promise.all([sqs?.stop(), s3?.stop(), catalog?.close()]);
  });

  it("runs the four apps, each with its own log files in LOG_DIR", async () => {
    const procs = await pm2.byName();
    expect(Object.keys(procs).sort()).toEqual([...APPS].sort());
    for (const a of APPS) {
      expect(procs[a].pm2_env.pm_out_log_path).toBe(path.join(logDir, `${a}.out.log`));
      expect(procs[a].pm2_env.pm_err_log_path).toBe(path.join(logDir, `${a}.err.log`));
    }
    await waitFor(() => APPS.every((a) => existsSync(path.join(logDir, `${a}.out.log`)) && statSync(path.join(logDir, `${a}.out.log`)).size > 0), {
      what: "every app's log file",
    });
  });

  it("logs the suite's version in each app's app.started line; tracing stays off and err.log holds no pm2 noise", async () => {
    const outLogs = await waitFor(
      () => {
        const logs = new Map(APPS.map((a) => [a, readAllLogs(`${a}.out.log`)]));
        return [...logs.values()].every((log) => log.includes(logged(EVENT.appStarted))) ? logs : undefined;
      },
      { what: "every app's app.started line" },
    );
    for (const a of APPS) {
      const started = outLogs
        .get(a)!
        .split("\n")
        .filter((l) => l.includes(logged(EVENT.appStarted)))
        .map((l) => JSON.parse(l) as { version?: string });
      expect(started.length, a).toBeGreaterThan(0);
      for (const line of started) expect(line.version, a).toBe(VERSION);
    }
    for (const p of await pm2.jlist()) {
      // pm2 ls marks a traced app [T] from these options.
      const tracing = (p.pm2_env as { axm_options?: { tracing?: boolean | { enabled?: boolean } } }).axm_options?.tracing;
      expect(tracing === true || (typeof tracing === "object" && tracing.enabled === true), p.name).toBe(false);
    }
    // Everything an app writes to err.log is one of its own JSON log lines: no pm2 banner such as
    // "[PM2][ERROR] OpenTelemetry packages not installed", no stray text.
    for (const a of APPS) {
      for (const line of readAllLogs(`${a}.err.log`).split("\n").filter(Boolean)) {
        expect(line, `${a}.err.log`).not.toContain("[PM2]");
        expect(() => JSON.parse(line), `${a}.err.log: ${line}`).not.toThrow();
      }
    }
  });

  it("turns the seed lifecycle and 45 job lifecycles into documents and catalog posts, and drains the queue", async () => {
    const jobs = Array.from({ length: 45 }, (_, i) => lifecycle(i + 1));
    await sendAll(sqs, seedLines);
    // Each job's messages go in order but interleaved with other jobs', as tilers do.
    const lines: string[] = [];
    for (let step = 0; step < 4; step++) for (const j of jobs) lines.push(j.lines[step]);
    await sendAll(sqs, lines);

    const finished = jobs.filter((j) => j.finished);
    await waitFor(
      async () => {
        if (catalog.requests.length < finished.length + 1) return false;
        const docs = await Promise.all([...jobs.map((j) => readDoc(s3, j.jobId)), readDoc(s3, "test-job")]);
        return docs.every((d, i) => (i < jobs.length ? d?.status === jobs[i].final.status : d?.status === "SUCCESS"));
      },
      { what: "every final document and catalog post", timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor(async () => (await sqs.depth()) === 0, { what: "the queue to drain", timeoutMs: 30_000 });

    // The seed's own example, exactly as DESIGN.md describes it.
    const seedDoc = await readDoc(s3, "test-job");
    expect(seedDoc).toMatchObject({
      jobId: "test-job",
      stage: "COMPLETE",
      status: "SUCCESS",
      target: "s3://oam-tiles/test-job",
      images: ["http://bucketname.s3.amazonaws.com/image1.tif", "http://bucketname.s3.amazonaws.com/image2.tif"],
      tileJson: {
        tilejson: "2.1.0",
        name: "OAM Server Mosaic test-job",
        scheme: "xyz",
        tiles: ["http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png"],
      },
    });
    expect(typeof seedDoc!.updatedAt).toBe("string");

    for (const j of jobs) {
      const doc = await readDoc(s3, j.jobId);
      expect(doc, j.jobId).toMatchObject({ jobId: j.jobId, ...j.final });
      if (!j.finished) expect(doc!.error).toBe("gdal exploded");
      else expect(doc!.tileJson.tiles[0]).toMatch(new RegExp(`/${j.jobId}/\\{z\\}/\\{x\\}/\\{y\\}\\.png$`));
    }

    // Exactly one catalog request per finished job, to /tms (no double slash), with the token.
    expect(catalog.requests).toHaveLength(finished.length + 1);
    for (const r of catalog.requests) {
      expect(r.method).toBe("POST");
      expect(r.url).toBe("/tms");
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers["content-type"]).toContain("application/json");
    }
    const byUri = new Map(catalog.requests.map((r) => [(r.json as { uri: string }).uri, r.json]));
    expect(byUri.get("http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png")).toEqual({
      uri: "http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png",
      images: [{ uuid: "http://bucketname.s3.amazonaws.com/image1.tif" }, { uuid: "http://bucketname.s3.amazonaws.com/image2.tif" }],
    });
    for (const j of finished) {
      const http = j.target!.startsWith("s3://") ? `http://oam-tiles.s3.amazonaws.com/${j.jobId}` : `https://tiles.example.org/${j.jobId}`;
      expect(byUri.get(`${http}/{z}/{x}/{y}.png`), j.jobId).toEqual({
        uri: `${http}/{z}/{x}/{y}.png`,
        images: [{ uuid: `http://bucket.s3.amazonaws.com/${j.jobId}/a.tif` }, { uuid: `http://bucket.s3.amazonaws.com/${j.jobId}/b.tif` }],
      });
    }
  });

  it("answers the seed's test message in the log and quarantines an invalid one", async () => {
    await sendAll(sqs, ['{"test": true}', '{"jobId": "q1", "stage": "chunk", "status": "FAILED", "error": "bad "quote""}']);
    const line = await waitFor(
      () => readAllLogs("poller.out.log").split("\n").find((l) => l.includes(logged(EVENT.messageInvalid))),
      { what: "the quarantine log line" },
    );
    const entry = JSON.parse(line);
    expect(entry.messageId).toMatch(/\S/);
    expect(entry.reason).toMatch(/not valid JSON/);
    expect(entry.quarantineKey).toMatch(/^statuses\/quarantine\/\d{4}-\d{2}-\d{2}\/.+\.json$/);
    const kept = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: entry.quarantineKey }));
    const record = JSON.parse(await kept.Body!.transformToString());
    expect(record.body).toBe('{"jobId": "q1", "stage": "chunk", "status": "FAILED", "error": "bad "quote""}');
    await waitFor(() => readAllLogs("poller.out.log").includes(logged(EVENT.messageTest)), { what: "the test message log line" });
    await waitFor(async () => (await sqs.depth()) === 0, { what: "the queue to drain" });
    expect(await readDoc(s3, "q1")).toBeUndefined();
  });

  it("replays a quarantined message once an operator fixed it", async () => {
    const line = await waitFor(
      () => readAllLogs("poller.out.log").split("\n").find((l) => l.includes(logged(EVENT.messageInvalid))),
      { what: "the quarantine log line" },
    );
    const { quarantineKey } = JSON.parse(line);
    const kept = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: quarantineKey }));
    const record = JSON.parse(await kept.Body!.transformToString());
    record.body = '{"jobId": "q1", "stage": "chunk", "status": "FAILED", "error": "bad \\"quote\\""}';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: quarantineKey, Body: JSON.stringify(record) }));
    const out = await cli(["replay", "--key", quarantineKey]);
    expect(out.stdout).toContain(`replayed ${quarantineKey}`);
    await waitFor(async () => (await readDoc(s3, "q1"))?.error === 'bad "quote"', { what: "the replayed message's document" });
    // Ranked by its original SentTimestamp, not the replay's: it keeps its place in its job's order.
    expect(record.sentTimestamp).toBeGreaterThan(0);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "statuses/q1-status.json" }));
    expect(head.Metadata?.["oam-rank"]?.split(".")[0]).toBe(String(record.sentTimestamp));
  });

  it("answers oam-status ping and health", async () => {
    const pong = await cli(["ping", "--timeout", "20"]);
    expect(pong.stdout).toMatch(/pong from the poller in \d+ ms/);
    expect(pong.stderr).toBe("");
    const health = await cli(["health", "--json"]);
    const report = JSON.parse(health.stdout);
    expect(report.healthy).toBe(true);
    expect(report.apps.map((a: { name: string }) => a.name).sort()).toEqual([...APPS].sort());
    // local-s3 honours conditional writes as S3 does: the consumers found out at start.
    expect(report).toMatchObject({ store: { conditionalWrites: "honoured" }, notes: [] });
    const text = (await cli(["health"])).stdout;
    expect(text).toContain("store: conditional writes honoured");
    expect(report.version).toBe(VERSION);
    for (const a of report.apps as Array<{ name: string; version: string }>) expect(a.version, a.name).toBe(VERSION);
    expect(text).toContain(`oam-status-suite ${VERSION}`);
    expect((await cli(["--version"])).stdout.trim()).toBe(VERSION);
  });

  it("reports unhealthy (exit 1) while an app is stopped", async () => {
    await pm2.run(["stop", "janitor"], env);
    try {
      await expect(cli(["health"])).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining("UNHEALTHY: janitor is stopped") });
    } finally {
      await pm2.run(["start", "janitor"], env);
    }
    await waitFor(async () => (await cli(["health"])).stdout.includes("healthy"), { what: "healthy again" });
  });

  it("shows each app's metrics in pm2 (pm2 show / monit)", async () => {
    // The janitor was restarted just before: wait for its first metrics report.
    const procs = await waitFor(
      async () => {
        const p = await pm2.byName();
        return pm2Metric(p.janitor, METRIC.lastRunAge) !== undefined ? p : undefined;
      },
      { what: "every app's metrics" },
    );
    const metric = (app: string, name: string) => pm2Metric(procs[app], name);
    expect(metric("poller", "received")).toBeGreaterThanOrEqual(seedLines.length + 45 * 4);
    expect(metric("poller", "acked")).toBeGreaterThanOrEqual(seedLines.length + 45 * 4);
    expect(metric("poller", "quarantined")).toBeGreaterThanOrEqual(1);
    expect(metric("poller", "in flight")).toBe(0);
    expect(metric("poller", "last poll age")).toBeLessThan(5);
    expect(metric("catalog-notifier", "catalog posts")).toBeGreaterThanOrEqual(31);
    expect(metric("janitor", "last run age")).toBe(-1);
    const show = await pm2.run(["show", "status-writer"]);
    expect(show).toContain("documents written");
    expect(show).toContain("conditional-write conflicts");
  });

  it("rotates each app's log files by size and keeps a bounded number", async () => {
    await waitFor(() => existsSync(path.join(logDir, "poller.out.log.1")), { what: "a rotated poller log" });
    const files = readdirSync(logDir);
    expect(files.filter((f) => /\.log\.\d+$/.test(f)).every((f) => Number(f.split(".").pop()) <= 2)).toBe(true);
    expect(statSync(path.join(logDir, "poller.out.log")).size).toBeLessThan(20 * 1024 + 64 * 1024);
  });

  it("restarts status-writer alone, and the others keep running and nothing is lost", async () => {
    const before = await pm2.byName();
    await pm2.run(["restart", "status-writer"], env);
    const jobs = Array.from({ length: 10 }, (_, i) => lifecycle(100 + i));
    const lines: string[] = [];
    for (let step = 0; step < 4; step++) for (const j of jobs) lines.push(j.lines[step]);
    await sendAll(sqs, lines);
    await waitFor(
      async () => {
        const docs = await Promise.all(jobs.map((j) => readDoc(s3, j.jobId)));
        return docs.every((d, i) => d?.status === jobs[i].final.status);
      },
      { what: "documents written after the restart", timeoutMs: 60_000, intervalMs: 250 },
    );
    await waitFor(async () => (await sqs.depth()) === 0, { what: "the queue to drain" });
    const after = await pm2.byName();
    expect(after["status-writer"].pid).not.toBe(before["status-writer"].pid);
    for (const a of ["poller", "catalog-notifier", "janitor"]) {
      expect(after[a].pid, a).toBe(before[a].pid);
      expect(after[a].pm2_env.status).toBe("online");
    }
  });

  it("shows every app in pm2 monit (run in a pseudo-terminal)", async () => {
    // pm2 monit is a full-screen terminal UI: give it a sized pty with script(1) and read what it
    // draws until every app's name is on screen (pm2's CLI can take seconds to start on a loaded CI
    // machine, so this waits on the screen, not on a clock). The whole process group is killed at
    // the end: pm2 7's own SIGINT handler throws on exit.
    const pm2Bin = path.resolve(__dirname, "../../node_modules/pm2/bin/pm2");
    const child = spawn("script", ["-qfec", `stty cols 200 rows 50; exec ${process.execPath} ${pm2Bin} monit`, "/dev/null"], {
      env: { ...process.env, PM2_HOME: pm2.home, TERM: "xterm-256color" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let screen = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (screen += d));
    try {
      await waitFor(() => screen.includes("Metadata") && APPS.every((a) => screen.includes(a)), { timeoutMs: 40_000, what: "every app on the pm2 monit screen" });
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
    expect(screen).toContain("Metadata"); // a label of monit's own panes
    for (const a of APPS) expect(screen, a).toContain(a);
  });

  it("logs at debug level with DEBUG=oam:*", () => {
    const lines = readAllLogs("poller.out.log").split("\n").filter(Boolean);
    expect(lines.some((l) => JSON.parse(l).level === "debug" && JSON.parse(l).event === "message.published")).toBe(true);
  });

  it("never writes the catalog token to a log file", () => {
    const files = readdirSync(logDir);
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(readFileSync(path.join(logDir, f), "utf8"), f).not.toContain(TOKEN);
  });

  it("keeps log files that others cannot write to", () => {
    for (const f of readdirSync(logDir)) expect(statSync(path.join(logDir, f)).mode & 0o002, f).toBe(0);
  });
});
