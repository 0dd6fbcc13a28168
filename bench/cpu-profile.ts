// Where the suite's CPU goes during a drain: `npm run build && node dist/bench/cpu-profile.js
// [--messages N]`. Starts the suite under its own pm2 with `--cpu-prof` added to each app's
// node_args (a wrapper around ecosystem.config.js; Node 20 refuses --cpu-prof in NODE_OPTIONS) and
// no monitoring endpoint, drains a backlog of N messages (3,000; 20 tilers) from the local servers,
// stops the apps so they write their profiles, and prints each app's self time by package (the AWS
// SDK, Node's own modules, GC, the suite's code, ...), as shares of its busy time.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startCatalogStandIn } from "../test/support/catalog-stand-in";
import { ROOT, startLocalS3, startLocalSqs } from "../test/support/local-servers";
import { APPS, sendAll, startSuite } from "../test/support/suite";
import { waitFor } from "../test/support/wait";
import { backlog } from "./drain";
import { DEFAULT_S3_DIR } from "./options";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a sampled function belongs to: a package, Node's own module, GC, or the suite's code. */
function category(n: ProfileNode): string {
  const { url, functionName: fn } = n.callFrame;
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(idle)" || fn === "(program)") return fn;
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return /^@(aws-sdk|smithy|aws-crypto)\//.test(pkg) ? "AWS SDK" : pkg;
  if (url.includes("/dist/apps/")) return "suite code";
  if (url.startsWith("node:")) return `node ${url.replace(/^node:(internal\/)?/, "").split("/")[0]}`;
  return url ? "other" : `native ${fn}`;
}

function summarize(p: Profile): { busyMs: number; shares: Array<[string, number]> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const time = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const c = category(byId.get(id)!);
    time.set(c, (time.get(c) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  time.delete("(idle)");
  const busy = [...time.values()].reduce((a, b) => a + b, 0);
  const shares = [...time.entries()].sort((a, b) => b[1] - a[1]).map(([c, t]): [string, number] => [c, Math.round((1000 * t) / busy) / 10]);
  return { busyMs: Math.round(busy / 1000), shares };
}

async function main() {
  const { values } = parseArgs({ options: { messages: { type: "string", default: "3000" }, top: { type: "string", default: "10" } } });
  const messages = Number(values.messages);
  if (!Number.isInteger(messages) || messages < 10) throw new Error(`cpu-profile: --messages must be a whole number >= 10, got "${values.messages}"`);
  const work = mkdtempSync(path.join(os.tmpdir(), "oam-cpu-profile-"));
  const profiles = path.join(work, "profiles");
  const wrapper = path.join(work, "ecosystem.profile.config.js");
  writeFileSync(
    wrapper,
    `const base = require(${JSON.stringify(path.join(ROOT, "ecosystem.config.js"))});\n` +
      `module.exports = { apps: base.apps.map((a) => ({ ...a, node_args: [...a.node_args, "--cpu-prof", ${JSON.stringify(`--cpu-prof-dir=${profiles}`)}] })) };\n`,
  );
  const [sqs, s3, catalog] = await Promise.all([startLocalSqs(), startLocalS3("bench", DEFAULT_S3_DIR), startCatalogStandIn()]);
  try {
    await sendAll(sqs, backlog(messages, 20, "profile"));
    // Monitoring off (port 0): the janitor's profile is its own work, without the /metrics server
    // and the queue backlog it polls for it.
    const suite = await startSuite(sqs, s3, { OAM_CATALOG_URL: catalog.url, OAM_API_TOKEN: "profile", OAM_METRICS_PORT: "0" }, APPS, wrapper);
    try {
      await waitFor(async () => (await sqs.depth()) === 0, { what: "the backlog to drain", timeoutMs: 600_000, intervalMs: 200 });
      const names = Object.fromEntries((await suite.pm2.jlist()).map((p) => [String(p.pid), p.name]));
      await suite.pm2.run(["stop", "all"]); // a graceful stop: each app writes its profile as it exits
      for (const f of readdirSync(profiles).filter((f) => f.endsWith(".cpuprofile"))) {
        const { busyMs, shares } = summarize(JSON.parse(readFileSync(path.join(profiles, f), "utf8")));
        const app = names[f.split(".")[3]] ?? f;
        console.log(`${app.padEnd(17)} busy ${busyMs} ms: ${shares.slice(0, Number(values.top)).map(([c, s]) => `${c} ${s}%`).join(", ")}`);
      }
    } finally {
      await suite.stop();
    }
  } finally {
    await Promise.all([sqs.stop(), s3.stop(), catalog.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
