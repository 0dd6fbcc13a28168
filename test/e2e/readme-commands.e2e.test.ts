// Every local command block of the README, run as written (test/support/readme-blocks.ts says how
// each block is marked): in order, in a fresh copy of the project (its own `npm ci`), under this
// test's own PM2_HOME and ports. Blocks marked `env: servers` get the variables of this test's SQS,
// S3 and catalog servers exported, as "variables from this shell". The `compose` blocks run in the
// image test, against its compose project; `skip` blocks are listed with their reason.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startCatalogStandIn, type CatalogStandIn } from "../support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs, suiteEnv, type LocalS3, type LocalSqs } from "../support/local-servers";
import { Pm2 } from "../support/pm2";
import { freePort } from "../support/ports";
import { readCommandBlocks } from "../support/readme-blocks";
import { runBlock } from "../support/readme-runner";

const blocks = readCommandBlocks(path.join(ROOT, "README.md"));
const local = blocks.filter((b) => b.mode === "local");
for (const b of blocks.filter((x) => x.mode === "skip")) console.warn(`README.md line ${b.line} not run: ${b.why}`);

/** The project's files as a new user gets them: tracked and new files, no node_modules, dist or data. */
function copyProject(to: string): void {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((f) => f && existsSync(path.join(ROOT, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(to, f));
  }
}

describe("the README's commands, as written", { timeout: 900_000 }, () => {
  let work: string;
  let project: string;
  let sqs: LocalSqs;
  let s3: LocalS3;
  let catalog: CatalogStandIn;
  let pm2: Pm2;
  let base: NodeJS.ProcessEnv;
  let servers: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "oam-readme-"));
    project = path.join(work, "oam-status-suite");
    copyProject(project);
    [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3(), startCatalogStandIn()]);
    pm2 = new Pm2();
    const [sqsPort, s3Port] = [await freePort(), await freePort()];
    // This test's environment minus vitest's own, with its own pm2 and the local profile's servers
    // on free ports (values in the environment win over config/local.env).
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "NODE_ENV" && !k.startsWith("OAM_") && !k.startsWith("AWS_")));
    base = {
      ...inherited,
      PM2_HOME: pm2.home,
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Port}`,
      OAM_STATUS_SQS_QUEUE_URL: `http://127.0.0.1:${sqsPort}/123456789012/oam-status`,
    };
    servers = suiteEnv(sqs, s3, { OAM_CATALOG_URL: catalog.url, OAM_API_TOKEN: "readme-test-token-5e1f" });
  }, 120_000);

  afterAll(async () => {
    // The blocks' `npx pm2` is the copy's, installed from the same lockfile: this project's pm2 stops its daemon.
    await pm2?.kill();
    await Promise.all([sqs?.stop(), s3?.stop(), catalog?.close()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(local.map((b) => [`line ${b.line} (${b.section})`, b] as const))("runs the block at %s", async (_name, block) => {
    const env = block.servers ? { ...base, ...servers } : base;
    await runBlock(block, { cwd: project, env }, (l) => console.log(l));
  });
});
