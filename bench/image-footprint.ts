// The suite's memory as the container host sees it: `npm run build && node
// dist/bench/image-footprint.js [--messages N]` builds the image, brings the compose stanza up
// (host network, against the local SQS and S3 servers and the catalog stand-in), and reads the
// container's memory cgroup (memory.current and memory.stat's anon and file; on cgroup v1 their
// older names, memory.usage_in_bytes, total_rss and total_cache) when the apps are up and
// idle, and after they drained a backlog; with each app's RSS as pm2 reports it. Needs DOCKER_HOST
// and docker-compose, as the image test does. Writes bench/results/image-<date>.json.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { startCatalogStandIn } from "../test/support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, suiteEnv } from "../test/support/local-servers";
import { sendAll } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { backlog } from "./drain";
import { DEFAULT_S3_DIR } from "./options";
import { round } from "./stats";

const exec = promisify(execFile);
const { values } = parseArgs({ options: { messages: { type: "string", default: "3000" }, tag: { type: "string", default: "oam-status-suite:bench" } } });
const MESSAGES = Number(values.messages);
if (!Number.isInteger(MESSAGES) || MESSAGES < 10) {
  console.error(`image-footprint: --messages must be a whole number >= 10, got "${values.messages}"`);
  process.exit(2);
}
const PROJECT = `oambench${process.pid}`;

async function main() {
  const [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3("bench", DEFAULT_S3_DIR), startCatalogStandIn()]);
  const dir = mkdtempSync(path.join(os.tmpdir(), "oam-image-bench-"));
  // The stanza as shipped, on the host's network (so it reaches the servers on 127.0.0.1).
  const override = path.join(dir, "compose.override.yml");
  writeFileSync(override, `version: "3.7"\nservices:\n  oam-status:\n    image: "${values.tag}"\n    network_mode: host\n`);
  const env = { ...process.env, ...suiteEnv(sqs, s3, { OAM_CATALOG_URL: catalog.url, OAM_API_TOKEN: "bench", OAM_STATUS_PREFIX: "image-bench" }) };
  const compose = (...args: string[]) => exec("docker-compose", ["-p", PROJECT, "-f", "docker-compose.yml", "-f", override, ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 });
  const inside = async (...cmd: string[]) => (await compose("exec", "-T", "oam-status", ...cmd)).stdout.trim();
  // cgroup v2 (memory.current; memory.stat's anon and file) or v1 (memory/memory.usage_in_bytes,
  // the same charge under its older name; total_rss and total_cache).
  const cgroup = async () => {
    const read = (file: string) => inside("cat", `/sys/fs/cgroup/${file}`).catch(() => undefined);
    const v2 = await read("memory.current");
    const current = Number(v2 ?? (await read("memory/memory.usage_in_bytes")));
    const statText = (v2 !== undefined ? await read("memory.stat") : await read("memory/memory.stat")) ?? "";
    const stat = Object.fromEntries(statText.split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
    const mb = (bytes: number | undefined) => round((bytes ?? 0) / 2 ** 20);
    const jlist = JSON.parse(await inside("pm2", "jlist")) as Array<{ name: string; monit: { memory: number } }>;
    return {
      cgroup: v2 !== undefined ? "v2" : "v1",
      memoryCurrentMb: mb(current),
      anonMb: mb(stat.anon ?? stat.total_rss),
      fileMb: mb(stat.file ?? stat.total_cache),
      appsRssMb: Object.fromEntries(jlist.map((p) => [p.name, mb(p.monit.memory)])),
    };
  };
  const result: Record<string, unknown> = { date: new Date().toISOString(), messages: MESSAGES, image: values.tag };
  try {
    await exec("docker", ["build", "--network", "host", "-t", values.tag, "."], { cwd: ROOT, maxBuffer: 64 << 20 });
    await compose("up", "-d");
    await waitFor(
      async () => {
        const list = JSON.parse(await inside("pm2", "jlist")) as Array<{ pm2_env: { status: string } }>;
        return list.length === 4 && list.every((p) => p.pm2_env.status === "online");
      },
      { what: "four apps online in the container", timeoutMs: 120_000, intervalMs: 1000 },
    );
    result.idle = await cgroup();
    console.log(`idle: ${JSON.stringify(result.idle)}`);
    const started = Date.now();
    await sendAll(sqs, backlog(MESSAGES, 20, "image"));
    await waitFor(async () => (await sqs.depth()) === 0, { what: "the backlog to drain", timeoutMs: 600_000, intervalMs: 200 });
    result.drainSeconds = round((Date.now() - started) / 1000);
    result.afterDrain = await cgroup();
    console.log(`after a drain of ${MESSAGES}: ${JSON.stringify(result.afterDrain)}`);
  } finally {
    await compose("down", "-v").catch((err) => console.error(`compose down: ${err.message}`));
    await Promise.all([sqs.stop(), s3.stop(), catalog.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const out = path.join(ROOT, "bench/results", `image-${String(result.date).replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`written to ${path.relative(ROOT, out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
