// The Docker image and the compose stanza, built and run for real: docker build, docker-compose up
// (host network, pointed at the local SQS and S3 servers and the catalog stand-in), the seed
// messages, their documents and catalog request, the per-app log files on the volume and their
// owner, pm2 jlist, /metrics scraped inside the container, and the HEALTHCHECK command.
// Needs a Docker-compatible engine (DOCKER_HOST) and docker-compose; skips with a message when none.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, suiteEnv, type LocalS3, type LocalSqs } from "../support/local-servers";
import { freePort } from "../support/ports";
import { parseExposition, promtoolCheck, promtoolMissing, sampleValue } from "../support/prometheus";
import { readJson, sendAll } from "../support/suite";
import { waitFor } from "../support/wait";

const exec = promisify(execFile);
const PROJECT = `oamtest${process.pid}`;
const TOKEN = "image-test-token-7d1e";
const METRICS_TOKEN = "image-test-metrics-token-90ab";
// The engine is shared: an image of this run's own.
const IMAGE = `oam-status-suite:test-${process.pid}`;

function engine(): string | undefined {
  try {
    execFileSync("docker", ["version"], { stdio: "ignore", timeout: 10_000 });
    execFileSync("docker-compose", ["version"], { stdio: "ignore", timeout: 10_000 });
    return undefined;
  } catch {
    return "no Docker-compatible engine (set DOCKER_HOST, e.g. from ../shared/tools/container-kit.sh) or no docker-compose";
  }
}

const missing = engine();
if (missing) console.warn(`image test skipped: ${missing}`);

describe.skipIf(missing)("the Docker image and compose stanza", { timeout: 900_000 }, () => {
  let sqs: LocalSqs;
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let env: Record<string, string>;
  const compose = (...args: string[]) =>
    exec("docker-compose", ["-p", PROJECT, "-f", "docker-compose.yml", "-f", "test/e2e/compose.test.yml", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });

  beforeAll(async () => {
    [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3(), startCatalogStandIn()]);
    env = suiteEnv(sqs, s3, {
      OAM_CATALOG_URL: catalog.url,
      OAM_API_TOKEN: TOKEN,
      OAM_STATUS_IMAGE: IMAGE,
      // Host network: a port of this run's own on the host's loopback.
      OAM_METRICS_PORT: String(await freePort()),
      OAM_METRICS_TOKEN: METRICS_TOKEN,
    });
    await exec("docker", ["build", "--network", "host", "-t", IMAGE, "."], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    await compose("up", "-d");
  }, 900_000);

  afterAll(async () => {
    await compose("down", "-v").catch(() => undefined);
    await exec("docker", ["rmi", IMAGE]).catch(() => undefined);
    await Promise.all([sqs?.stop(), s3?.stop(), catalog?.close()]);
  });

  it("runs the four apps under pm2-runtime as uid 2001", async () => {
    const procs = await waitFor(
      async () => {
        const { stdout } = await compose("exec", "-T", "oam-status", "pm2", "jlist");
        const list = JSON.parse(stdout) as Array<{ name: string; pm2_env: { status: string } }>;
        return list.length === 4 && list.every((p) => p.pm2_env.status === "online") ? list : undefined;
      },
      { what: "four apps online in the container", timeoutMs: 60_000, intervalMs: 1000 },
    ).catch(async (err: Error) => {
      // What the container said, and who owns its volume, are the first things to look at.
      const show = (...args: string[]) =>
        compose(...args).then(
          (r) => r.stdout + r.stderr,
          (e: Error) => `(${args.join(" ")} failed: ${e.message})`,
        );
      const logs = await show("logs", "--tail", "60");
      const volume = await show("exec", "-T", "oam-status", "ls", "-lnR", "/data");
      throw new Error(`${err.message}\ncontainer logs:\n${logs}\n/data in the container:\n${volume}`);
    });
    expect(procs.map((p) => p.name).sort()).toEqual(["catalog-notifier", "janitor", "poller", "status-writer"]);
    const { stdout } = await compose("exec", "-T", "oam-status", "id", "-u");
    expect(stdout.trim()).toBe("2001");
  });

  it("turns the seed messages into documents and a catalog post", async () => {
    const seed = readFileSync(path.join(ROOT, "test/fixtures/seed-messages.jsonl"), "utf8").split("\n").filter((l) => l.trim());
    await sendAll(sqs, seed);
    await waitFor(async () => (await readJson(s3.client, s3.bucket, "statuses/test-job-status.json"))?.status === "SUCCESS", {
      what: "the seed job's final document",
      timeoutMs: 60_000,
    });
    await waitFor(() => catalog.requests.length === 1, { what: "the catalog request" });
    expect(catalog.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(catalog.requests[0].url).toBe("/tms");
  });

  it("keeps per-app log files on the /data volume, owned by the app user", async () => {
    const { stdout } = await compose("exec", "-T", "oam-status", "sh", "-c", "stat -c '%n %u %a' /data/log/*.log");
    const files = stdout.trim().split("\n").map((l) => l.split(" "));
    const names = files.map(([n]) => path.basename(n));
    for (const app of ["poller", "status-writer", "catalog-notifier", "janitor"]) {
      expect(names).toContain(`${app}.out.log`);
      expect(names).toContain(`${app}.err.log`);
    }
    for (const [name, uid, mode] of files) {
      expect(uid, name).toBe("2001");
      expect(Number.parseInt(mode, 8) & 0o002, name).toBe(0);
      expect(Number.parseInt(mode, 8) & 0o040, `${name} group-readable`).toBe(0o040);
    }
    const logs = await compose("exec", "-T", "oam-status", "sh", "-c", "cat /data/log/*.log");
    expect(logs.stdout).toContain('"event":"catalog.posted"');
    expect(logs.stdout).not.toContain(TOKEN);
  });

  it("serves /metrics inside the container", async () => {
    // bash's /dev/tcp, as the HEALTHCHECK does: the image has no curl.
    const script = 'exec 3<>/dev/tcp/127.0.0.1/$OAM_METRICS_PORT && printf "GET /metrics HTTP/1.0\\r\\nAuthorization: Bearer %s\\r\\n\\r\\n" "$OAM_METRICS_TOKEN" >&3 && cat <&3';
    const scrape = async () => {
      const { stdout } = await compose("exec", "-T", "oam-status", "bash", "-c", script);
      expect(stdout.split("\r\n")[0]).toMatch(/^HTTP\/1\.[01] 200 /);
      return stdout.slice(stdout.indexOf("\r\n\r\n") + 4);
    };
    const body = await waitFor(
      async () => {
        const b = await scrape();
        return (sampleValue(parseExposition(b), "oam_status_messages_received_total", { app: "poller" }) ?? 0) >= 6 ? b : undefined;
      },
      { what: "the poller's received count in the scrape", timeoutMs: 30_000, intervalMs: 1000 },
    );
    const samples = parseExposition(body);
    for (const app of ["poller", "status-writer", "catalog-notifier", "janitor"]) expect(sampleValue(samples, "oam_status_app_up", { app }), app).toBe(1);
    expect(sampleValue(samples, "oam_status_catalog_posts_total", { app: "catalog-notifier" })).toBe(1);
    expect(body).not.toContain(TOKEN);
    expect(body).not.toContain(METRICS_TOKEN);
    if (!promtoolMissing) expect(await promtoolCheck(body)).toBe("");
  });

  it("passes its HEALTHCHECK, which asks /healthz with bash, not Node", async () => {
    // The command as the Dockerfile states it (podman builds OCI images, which drop HEALTHCHECK, so
    // the image's own record is compared only where the engine kept it).
    const line = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
    const command = JSON.parse(line![1]) as string[];
    expect(command).toEqual(["bash", "config/healthcheck.sh"]);
    const { stdout: kept } = await exec("docker", ["inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE]);
    if (JSON.parse(kept)) expect(JSON.parse(kept).Test).toEqual(["CMD", ...command]);
    const { stdout } = await compose("exec", "-T", "oam-status", ...command);
    expect(stdout).toMatch(/^healthy\n/);
  });
});
