// What each library costs each app, and what lighter choices would save: `npm run build && node
// dist/bench/library-cost.js`. For every app, the packages it loads at start (traced with
// bench/require-trace.js, in its own order) are loaded again one after another in a fresh process,
// and each one's addition to RSS, PSS and the V8 heap is taken (after a full GC; median of 3
// processes). Then each package alone, and the alternatives: tx2 for @pm2/io and zod/mini for zod
// (tx2 is not a dependency: put it on NODE_PATH to measure it, e.g. `npm install --prefix
// /tmp/libs tx2` and NODE_PATH=/tmp/libs/node_modules).
import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../test/support/local-servers";
import { round } from "./stats";

const APPS = ["poller", "status-writer", "catalog-notifier", "janitor"];
const REPEAT = 3;

interface Loaded {
  base: { rssMb: number; pssMb: number; heapMb: number };
  steps: Array<{ module: string; rssMb: number; pssMb: number; heapMb: number }>;
  total: { rssMb: number; pssMb: number; heapMb: number };
}

function loadOnce(modules: string[]): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, "dist/bench/library-load.js"), modules, { execArgv: ["--expose-gc"], cwd: ROOT });
    child.on("message", (m) => {
      const r = (m as { libraryLoad?: Loaded }).libraryLoad;
      if (r) resolve(r);
    });
    child.once("exit", (code) => code && reject(new Error(`loading ${modules.join(", ")} exited with ${code}`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median over REPEAT fresh processes of each step's cost, and of the total. */
async function load(modules: string[]) {
  const runs: Loaded[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await loadOnce(modules));
  const pick = (f: (l: Loaded) => number) => round(median(runs.map(f)));
  return {
    bare: { rssMb: pick((l) => l.base.rssMb), pssMb: pick((l) => l.base.pssMb) },
    steps: modules.map((m, i) => ({ module: m, rssMb: pick((l) => l.steps[i].rssMb), pssMb: pick((l) => l.steps[i].pssMb), heapMb: pick((l) => l.steps[i].heapMb) })),
    total: { rssMb: pick((l) => l.total.rssMb), pssMb: pick((l) => l.total.pssMb), heapMb: pick((l) => l.total.heapMb) },
  };
}

/** The packages an app loads at start, in order (its config need not be valid: imports come first). */
function traceApp(app: string): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), "oam-trace-"));
  const file = path.join(dir, "trace.json");
  try {
    execFileSync(process.execPath, ["-r", path.join(ROOT, "dist/bench/require-trace.js"), path.join(ROOT, "dist/apps", app, "main.js")], {
      env: { PATH: process.env.PATH, OAM_REQUIRE_TRACE: file },
      stdio: "ignore",
    });
  } catch {
    // Exits 78 without a config, after its imports: the trace is written on exit all the same.
  }
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function resolvable(spec: string): boolean {
  try {
    require.resolve(spec, { paths: [ROOT, ...(process.env.NODE_PATH ?? "").split(path.delimiter).filter(Boolean)] });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const perApp: Record<string, Awaited<ReturnType<typeof load>>> = {};
  for (const app of APPS) {
    perApp[app] = await load(traceApp(app));
    console.log(`${app}: bare node ${perApp[app].bare.rssMb} MB RSS; then ${perApp[app].steps.map((s) => `${s.module} +${s.rssMb}`).join(", ")} = ${perApp[app].total.rssMb} MB RSS, ${perApp[app].total.pssMb} MB PSS alone`);
  }
  const libraries = [...new Set(Object.values(perApp).flatMap((a) => a.steps.map((s) => s.module)))];
  const alternatives = ["tx2", "zod/mini"].filter(resolvable);
  console.log("\nalone in a fresh process (RSS / PSS / heap MB added):");
  for (const lib of [...libraries, ...alternatives]) {
    const r = await load([lib]);
    console.log(`  ${lib.padEnd(22)} ${r.steps[0].rssMb} / ${r.steps[0].pssMb} / ${r.steps[0].heapMb}`);
  }
  if (!alternatives.includes("tx2")) console.log("  (tx2 not found: install it outside the project and set NODE_PATH to measure it)");
  // Each app's own list with a lighter package in place of the one it loads: what the switch saves.
  const swaps: Array<[string, string]> = [["@pm2/io", "tx2"], ["zod", "zod/mini"]];
  console.log("\nin each app, in place of (MB RSS / PSS saved, whole app at start):");
  for (const [from, to] of swaps.filter(([, t]) => alternatives.includes(t))) {
    for (const app of APPS) {
      const list = perApp[app].steps.map((x) => (x.module === from ? to : x.module));
      const r = await load(list);
      console.log(`  ${app.padEnd(17)} ${to} for ${from}: ${round(perApp[app].total.rssMb - r.total.rssMb)} / ${round(perApp[app].total.pssMb - r.total.pssMb)}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
