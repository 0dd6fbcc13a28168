// The Docker image and the compose stanza, built and run for real: docker build, docker-compose up
// (each container in its own network namespace, reaching the local SQS and S3 servers and the
// catalog stand-in on the host's loopback), the seed messages, their documents and catalog request
// (the token given as the stanza's secret), the per-host log folder on the volume and its owner,
// pm2 jlist, /metrics scraped and the HEALTHCHECK command inside the container, the README's Docker commands as
// written, the OCI labels, the stanza's variables, and two replicas that are two suites.
// Needs podman's Docker-compatible API (DOCKER_HOST, see ../shared/tools/container-kit.sh) and
// docker-compose; skips with a message when there is none.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, suiteEnv, type LocalS3, type LocalSqs } from "../support/local-servers";
import { pm2Metric, type Pm2Process } from "../support/pm2";
import { readCommandBlocks } from "../support/readme-blocks";
import { runBlock } from "../support/readme-runner";
import { parseExposition, promtoolCheck, promtoolMissing, sampleValue } from "../support/prometheus";
import { readJson, sendAll } from "../support/suite";
import { waitFor } from "../support/wait";
import { EVENT, METRIC, SUITE_APPS } from "../../apps/shared/runtime/names";

const exec = promisify(execFile);
const PROJECT = `oamtest${process.pid}`;
const IMAGE = `oam-status-suite:${PROJECT}`;
const TOKEN = "image-test-token-7d1e";
const OTHER_TOKEN = "image-test-plain-token-31c8";
const COMPOSE_FILES = ["docker-compose.yml", "test/e2e/compose.test.yml"];
/** The host's loopback as containers on podman's slirp4netns network reach it. */
const HOST_LOOPBACK = "10.0.2.2";
const METRICS_TOKEN = "image-test-metrics-token-90ab";

function engine(): string | undefined {
  try {
    const version = execFileSync("docker", ["version"], { encoding: "utf8", timeout: 10_000 });
    execFileSync("docker-compose", ["version"], { stdio: "ignore", timeout: 10_000 });
    if (!/podman/i.test(version)) return "the engine is not podman (the test's network, slirp4netns with allow_host_loopback, is podman's)";
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
  let tmp: string;
  let variables: string;
  let noRegion: { code: number; stderr: string };
  const compose = (args: string[], extra: Record<string, string> = {}) =>
    exec("docker-compose", ["-p", PROJECT, ...COMPOSE_FILES.flatMap((f) => ["-f", f]), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, ...extra },
      maxBuffer: 64 * 1024 * 1024,
    });
  const docker = (...args: string[]) => exec("docker", args, { maxBuffer: 64 * 1024 * 1024 });
  const containers = async () => (await compose(["ps", "-q", "oam-status"])).stdout.split("\n").filter(Boolean).sort();
  const jlist = async (id: string) => JSON.parse((await docker("exec", id, "pm2", "jlist")).stdout) as Pm2Process[];
  const hostname = async (id: string) => (await docker("exec", id, "hostname")).stdout.trim();
  /** What went wrong, from the containers' side. */
  const diagnose = async (err: Error) => {
    const show = (args: string[]) =>
      compose(args).then(
        (r) => r.stdout + r.stderr,
        (e: Error) => `(${args.join(" ")} failed: ${e.message})`,
      );
    const logs = await show(["logs", "--tail", "60"]);
    const volume = await show(["exec", "-T", "oam-status", "ls", "-lnR", "/data"]);
    return new Error(`${err.message}\ncontainer logs:\n${logs}\n/data in the container:\n${volume}`);
  };
  const allOnline = async (id: string) => {
    const list = await jlist(id);
    return list.length === SUITE_APPS.length && list.every((p) => p.pm2_env.status === "online") ? list : undefined;
  };

  beforeAll(async () => {
    [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3(), startCatalogStandIn()]);
    tmp = mkdtempSync(path.join(os.tmpdir(), "oam-image-"));
    // The token as the stanza's secret: a file the container's uid 2001 can read.
    const secret = path.join(tmp, "oam_api_token");
    writeFileSync(secret, `${TOKEN}\n`);
    chmodSync(secret, 0o644);
    const onHost = suiteEnv(sqs, s3, { OAM_CATALOG_URL: catalog.url });
    env = {
      ...Object.fromEntries(Object.entries(onHost).map(([k, v]) => [k, v.replaceAll("127.0.0.1", HOST_LOOPBACK)])),
      OAM_STATUS_IMAGE: IMAGE,
      OAM_API_TOKEN_SECRET_FILE: secret,
      // The endpoint on its default port, inside each container (suiteEnv turns it off for tests on the host).
      OAM_METRICS_PORT: "9477",
      OAM_METRICS_TOKEN: METRICS_TOKEN,
    };
    await exec("docker", ["build", "--network", "host", "-t", IMAGE, "."], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    // One-off containers of the stanza first: docker-compose run links them to the service's
    // running containers, which podman refuses on this network.
    variables = await compose(["run", "--rm", "-T", "oam-status", "sh", "-c", 'echo "$AWS_DEFAULT_REGION|$OAM_UPLOADER_TOKEN"'], {
      AWS_DEFAULT_REGION: "eu-west-1",
      OAM_UPLOADER_TOKEN: "older-name-token",
    }).then((r) => r.stdout);
    noRegion = await compose(["run", "--rm", "-T", "oam-status", "node", "dist/apps/janitor/main.js"], { AWS_REGION: "", AWS_DEFAULT_REGION: "" }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    await compose(["up", "-d"]);
  }, 900_000);

  afterAll(async () => {
    await compose(["down", "-v"]).catch(() => undefined);
    await docker("rmi", IMAGE).catch(() => undefined);
    await Promise.all([sqs?.stop(), s3?.stop(), catalog?.close()]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("runs the four apps under pm2-runtime as uid 2001", async () => {
    const [id] = await containers();
    const procs = await waitFor(() => allOnline(id), { what: "four apps online in the container", timeoutMs: 60_000, intervalMs: 1000 }).catch(
      async (err: Error) => {
        throw await diagnose(err);
      },
    );
    expect(procs.map((p) => p.name).sort()).toEqual([...SUITE_APPS].sort());
    expect((await docker("exec", id, "id", "-u")).stdout.trim()).toBe("2001");
  });

  it("holds the product only: the development servers (dev/) are not in the image", async () => {
    const [id] = await containers();
    const { stdout } = await docker("exec", id, "sh", "-c", "ls dist; ls dist/apps");
    expect(stdout.split("\n")).toContain("apps");
    expect(stdout.split("\n")).not.toContain("dev");
    expect(stdout).not.toMatch(/local-s3|local-sqs/);
  });

  it("turns the seed messages into documents and a catalog post, with the token from the secret", async () => {
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

  it("keeps per-app log files in the host's folder on the /data volume, owned by the app user; err.log holds no pm2 noise", async () => {
    const [id] = await containers();
    const folder = `/data/log/${await hostname(id)}`;
    const { stdout } = await docker("exec", id, "sh", "-c", `stat -c '%n %u %a' ${folder}/*.log`);
    const files = stdout.trim().split("\n").map((l) => l.split(" "));
    const names = files.map(([n]) => path.basename(n));
    for (const app of SUITE_APPS) {
      expect(names).toContain(`${app}.out.log`);
      expect(names).toContain(`${app}.err.log`);
    }
    for (const [name, uid, mode] of files) {
      expect(uid, name).toBe("2001");
      expect(Number.parseInt(mode, 8) & 0o002, name).toBe(0);
      expect(Number.parseInt(mode, 8) & 0o040, `${name} group-readable`).toBe(0o040);
    }
    const logs = await docker("exec", id, "sh", "-c", `cat ${folder}/*.log`);
    expect(logs.stdout).toContain('"event":"catalog.posted"');
    expect(logs.stdout).not.toContain(TOKEN);
    const errLogs = await docker("exec", id, "sh", "-c", `cat ${folder}/*.err.log`);
    expect(errLogs.stdout).not.toContain("[PM2]");
    // pm2's home and the bus sockets are the container's own, not on the volume.
    const onVolume = (await docker("exec", id, "ls", "/data")).stdout.split("\n").filter(Boolean);
    expect(onVolume).toEqual(["log"]);
  });

  it("serves /metrics inside the container", async () => {
    // bash's /dev/tcp, as the HEALTHCHECK does: the image has no curl.
    const script = 'exec 3<>/dev/tcp/127.0.0.1/$OAM_METRICS_PORT && printf "GET /metrics HTTP/1.0\\r\\nAuthorization: Bearer %s\\r\\n\\r\\n" "$OAM_METRICS_TOKEN" >&3 && cat <&3';
    const scrape = async () => {
      const { stdout } = await compose(["exec", "-T", "oam-status", "bash", "-c", script]);
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
    for (const app of SUITE_APPS) expect(sampleValue(samples, "oam_status_app_up", { app }), app).toBe(1);
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
    const { stdout: kept } = await docker("inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE);
    if (JSON.parse(kept)) expect(JSON.parse(kept).Test).toEqual(["CMD", ...command]);
    const { stdout } = await compose(["exec", "-T", "oam-status", ...command]);
    expect(stdout).toMatch(/^healthy\n/);
  });

  it("runs the README's Docker command blocks as written", async () => {
    const blocks = readCommandBlocks(path.join(ROOT, "README.md")).filter((b) => b.mode === "compose");
    expect(blocks.length).toBeGreaterThan(0);
    // docker-compose finds this test's project and files in these variables, as in a checkout.
    const blockEnv = { ...process.env, ...env, COMPOSE_PROJECT_NAME: PROJECT, COMPOSE_FILE: COMPOSE_FILES.join(":") };
    for (const block of blocks) await runBlock(block, { cwd: ROOT, env: blockEnv, eventuallyMs: 60_000, tty: true });
  });

  it("carries OCI labels: package.json's version, the licence, the source", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; license: string };
    const labels = JSON.parse((await docker("inspect", "--format", "{{json .Config.Labels}}", IMAGE)).stdout) as Record<string, string>;
    expect(labels["org.opencontainers.image.version"]).toBe(pkg.version);
    expect(labels["org.opencontainers.image.licenses"]).toBe(pkg.license);
    expect(labels["org.opencontainers.image.source"]).toMatch(/^https:\/\//);
    const [id] = await containers();
    expect((await docker("exec", id, "oam-status", "--version")).stdout.trim()).toBe(pkg.version);
  });

  it("passes the seed's AWS_DEFAULT_REGION and OAM_UPLOADER_TOKEN through, and a missing region stops an app with the config's line", async () => {
    expect(variables.trim().split("\n").pop()).toBe("eu-west-1|older-name-token");
    expect(noRegion.code).toBe(78);
    expect(noRegion.stderr).toContain("AWS_REGION is required");
  });

  it("scales to two replicas that are two suites: own apps, own restarts, and one drains the queue while the other is stopped", async () => {
    // The plain variable instead of the secret (an empty /dev/null secret): the stanza takes either.
    const replicaEnv = { OAM_API_TOKEN_SECRET_FILE: "", OAM_API_TOKEN: OTHER_TOKEN };
    await compose(["up", "-d", "--scale", "oam-status=2"], replicaEnv);
    const ids = await waitFor(
      async () => {
        const running = await containers();
        return running.length === 2 ? running : undefined;
      },
      { what: "two containers" },
    );
    const lists = await Promise.all(
      ids.map((id) => waitFor(() => allOnline(id), { what: `four apps online in ${id}`, timeoutMs: 90_000, intervalMs: 1000 })),
    ).catch(async (err: Error) => {
      throw await diagnose(err);
    });
    for (const list of lists) expect(list.map((p) => p.name).sort()).toEqual([...SUITE_APPS].sort());
    const [a, b] = ids;
    const [hostA, hostB] = await Promise.all([hostname(a), hostname(b)]);
    expect(hostA).not.toBe(hostB);
    // Each writes its own log folder on the shared volume, and sees the other's.
    for (const id of ids) {
      const folders = (await docker("exec", id, "ls", "/data/log")).stdout.split("\n");
      expect(folders).toEqual(expect.arrayContaining([hostA, hostB]));
    }

    // A restart in one leaves the other's apps as they were.
    const before = await jlist(b);
    const writerA = (await jlist(a)).find((p) => p.name === "status-writer")!;
    await docker("exec", a, "pm2", "restart", "status-writer");
    const afterA = (await jlist(a)).find((p) => p.name === "status-writer")!;
    expect(afterA.pm2_env.restart_time).toBeGreaterThan(writerA.pm2_env.restart_time);
    expect(afterA.pid).not.toBe(writerA.pid);
    expect(afterA.pm2_env.status).toBe("online");
    const after = await jlist(b);
    for (const p of after) {
      const was = before.find((q) => q.name === p.name)!;
      expect([p.name, p.pid, p.pm2_env.restart_time, p.pm2_env.status]).toEqual([was.name, was.pid, was.pm2_env.restart_time, "online"]);
    }

    // One stopped (within the stanza's grace period: every app stops cleanly), the other drains the queue.
    await docker("stop", a);
    const stopped = (await docker("exec", b, "sh", "-c", `cat /data/log/${hostA}/*.out.log`)).stdout;
    for (const app of SUITE_APPS) {
      const lines = stopped.split("\n").filter((l) => l.includes(`"app":"${app}"`) && l.includes(`"event":"${EVENT.appStopped}"`));
      expect(lines.length, `${app} stopped cleanly in ${hostA}`).toBeGreaterThan(0);
    }
    const jobs = Array.from({ length: 20 }, (_, i) => `replica-job-${i}`);
    await sendAll(
      sqs,
      jobs.flatMap((jobId) => [
        JSON.stringify({ jobId, stage: "chunk", status: "STARTED" }),
        JSON.stringify({ jobId, stage: "mosaic", status: "FINISHED", target: `s3://oam-tiles/${jobId}`, images: [`http://b.s3.amazonaws.com/${jobId}.tif`] }),
      ]),
    );
    await waitFor(
      async () => {
        for (const jobId of jobs) if ((await readJson(s3.client, s3.bucket, `statuses/${jobId}-status.json`))?.status !== "SUCCESS") return false;
        return (await sqs.depth()) === 0;
      },
      { what: "every job's final document from the remaining replica, and the queue empty", timeoutMs: 120_000, intervalMs: 1000 },
    );
    const posts = catalog.requests.filter((r) => jobs.some((j) => String(r.body).includes(j)));
    expect(posts).toHaveLength(jobs.length);
    for (const p of posts) expect(p.headers.authorization).toBe(`Bearer ${OTHER_TOKEN}`);
    // pm2 restarts nothing in a stopped container: the work was the remaining replica's.
    await waitFor(
      async () => {
        const poller = (await jlist(b)).find((p) => p.name === "poller");
        return poller !== undefined && (pm2Metric(poller, METRIC.received) ?? 0) >= jobs.length * 2;
      },
      { what: `the poller of ${hostB} counting the replica jobs' messages` },
    );
  });
});
